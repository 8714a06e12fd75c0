package loadgen

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os/exec"
	"sync"
	"time"
)

// CrashConfig is one crash run.
type CrashConfig struct {
	// Start starts the server process; it is called twice, before and after the kill, and
	// must serve the same store at Client.BaseURL both times.
	Start func(ctx context.Context) (*exec.Cmd, error)
	// Writers append concurrently, each to its own user, AppendBatch events at a time.
	Writers     int
	AppendBatch int
	// KillAfter is how many acknowledged appends (over all writers) the server gets before
	// it is killed with SIGKILL.
	KillAfter int
	Seed      uint64
}

// CrashReport counts, over every writer's user, the events acknowledged before the kill and
// those found after the restart.
type CrashReport struct {
	Writers      int
	Acknowledged int // events in appends that got a 200
	InFlight     int // events in appends cut off by the kill (unknown outcome)
	Found        int // events in the histories after the restart
	Lost         int // acknowledged events missing after the restart: must be 0
	Users        []UserCount
}

// UserCount is one writer's user.
type UserCount struct {
	User                   string
	Acked, InFlight, Found int
}

// Crash appends until KillAfter appends are acknowledged, kills the server with SIGKILL in
// the middle of the writers' appends, restarts it and exports every user's history. Each user
// has one writer appending in sequence, so the acknowledged events are a prefix of the user's
// events, and "found ≥ acknowledged" means every acknowledged event survived.
func Crash(ctx context.Context, cl *Client, cfg CrashConfig) (CrashReport, error) {
	if cfg.Writers <= 0 || cfg.KillAfter <= 0 {
		return CrashReport{}, errors.New("loadgen: crash needs writers and a kill count")
	}
	batch := max(cfg.AppendBatch, 1)
	cmd, err := cfg.Start(ctx)
	if err != nil {
		return CrashReport{}, err
	}
	killed := false
	defer func() {
		if !killed {
			_ = cmd.Process.Kill()
			_ = cmd.Wait()
		}
	}()
	wctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	if err := cl.WaitReady(wctx); err != nil {
		return CrashReport{}, err
	}

	counts := make([]UserCount, cfg.Writers)
	var (
		mu    sync.Mutex
		acked int
		kill  = make(chan struct{})
		once  sync.Once
		wg    sync.WaitGroup
		werr  error
	)
	for w := range cfg.Writers {
		counts[w].User = fmt.Sprintf("crash-%d", w)
		wg.Go(func() {
			cat := NewCatalog(1000, cfg.Seed+uint64(w))
			t := int64(1_700_000_000)
			for {
				evs := cat.Events(batch, t)
				_, err := cl.Append(ctx, counts[w].User, evs)
				var se *StatusError
				if errors.As(err, &se) && se.Code == 429 {
					// Deliberate back-pressure, nothing was written: the same batch again.
					time.Sleep(50 * time.Millisecond)
					continue
				}
				if err != nil {
					// After the kill every append fails; before it, none may.
					select {
					case <-kill:
						counts[w].InFlight = batch
					default:
						mu.Lock()
						werr = errors.Join(werr, fmt.Errorf("%s before the kill: %w", counts[w].User, err))
						mu.Unlock()
						once.Do(func() { close(kill) })
					}
					return
				}
				t += int64(batch) * 60
				counts[w].Acked += batch
				mu.Lock()
				acked++
				if acked >= cfg.KillAfter {
					once.Do(func() { close(kill) })
				}
				mu.Unlock()
			}
		})
	}
	<-kill
	// SIGKILL while the writers are still appending: no chance to flush or drain.
	killErr := cmd.Process.Kill()
	_ = cmd.Wait()
	killed = true
	wg.Wait()
	if werr != nil {
		return CrashReport{}, werr
	}
	if killErr != nil {
		return CrashReport{}, fmt.Errorf("loadgen: kill: %w", killErr)
	}

	cmd, err = cfg.Start(ctx)
	if err != nil {
		return CrashReport{}, fmt.Errorf("loadgen: restart: %w", err)
	}
	defer func() {
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
	}()
	wctx2, cancel2 := context.WithTimeout(ctx, 30*time.Second)
	defer cancel2()
	if err := cl.WaitReady(wctx2); err != nil {
		return CrashReport{}, err
	}
	rep := CrashReport{Writers: cfg.Writers, Users: counts}
	for i := range counts {
		h, err := cl.History(ctx, counts[i].User)
		if err != nil {
			return rep, fmt.Errorf("loadgen: history of %s after the restart: %w", counts[i].User, err)
		}
		c := &rep.Users[i]
		c.Found = h.Events
		rep.Acknowledged += c.Acked
		rep.InFlight += c.InFlight
		rep.Found += c.Found
		rep.Lost += max(0, c.Acked-c.Found)
		if c.Found > c.Acked+c.InFlight {
			return rep, fmt.Errorf("loadgen: %s holds %d events, more than the %d sent", c.User, c.Found, c.Acked+c.InFlight)
		}
	}
	return rep, nil
}

// Write prints the report as a Markdown table row set.
func (r CrashReport) Write(w io.Writer, store string) error {
	_, err := fmt.Fprintf(w, "| %s | %d | %d | %d | %d | %d |\n", store, r.Writers, r.Acknowledged, r.InFlight, r.Found, r.Lost)
	return err
}
