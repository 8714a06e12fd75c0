package loadgen

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"slices"
	"sync"
	"sync/atomic"
	"time"
)

// LoadConfig is one load run.
type LoadConfig struct {
	Clients  int           // concurrent clients (N)
	Duration time.Duration // how long they run (T)
	// MinRequests keeps them running past Duration until this many requests were answered,
	// so that a small run on a busy machine still measures something.
	MinRequests int
	Users       int // users whose histories they share
	History     int // events each user's history holds before the run (L)
	// Candidates per rank (C).
	Candidates int
	// AppendEvery makes one request in this many an append of AppendBatch events; the rest
	// rank. 0 is 5 (a fifth of the requests append).
	AppendEvery int
	AppendBatch int // events per append; 0 is 10
	Seed        uint64
}

// LoadReport is what a load run measured.
type LoadReport struct {
	Config           LoadConfig
	Seconds          float64
	Ranks, Appends   int
	Rejected         int      // 429s, which the clients retry after Retry-After
	Errors           int      // every other failure
	ErrorSamples     []string // the first few
	Throughput       float64  // answered requests per second
	RankP50, RankP99 time.Duration
	AppP50, AppP99   time.Duration
	SetupSeconds     float64
}

func (c *LoadConfig) defaults() {
	if c.AppendEvery <= 0 {
		c.AppendEvery = 5
	}
	if c.AppendBatch <= 0 {
		c.AppendBatch = 10
	}
	c.Clients, c.Users = max(c.Clients, 1), max(c.Users, 1)
}

// Load seeds the users' histories, then runs the clients. A user is appended to by one
// client only, so that each user's events arrive in time order; any client ranks for any user.
func Load(ctx context.Context, cl *Client, cfg LoadConfig) (LoadReport, error) {
	cfg.defaults()
	rep := LoadReport{Config: cfg}
	cat := NewCatalog(5000, cfg.Seed)
	start := time.Now()
	const t0 = 1_700_000_000
	clock := make([]int64, cfg.Users) // next event time per user
	for u := range cfg.Users {
		// Appends of at most 10^4 events: the server's default limit per request.
		for done := 0; done < cfg.History; {
			n := min(cfg.History-done, 10_000)
			evs := cat.Events(n, t0+int64(done)*60)
			if _, err := cl.Append(ctx, userName(u), evs); err != nil {
				return rep, fmt.Errorf("loadgen: seeding %s: %w", userName(u), err)
			}
			done += n
		}
		clock[u] = t0 + int64(cfg.History)*60
	}
	rep.SetupSeconds = time.Since(start).Seconds()

	var (
		mu    sync.Mutex
		ranks []time.Duration
		apps  []time.Duration
		wg    sync.WaitGroup
	)
	var answered atomic.Int64
	begin := time.Now()
	// Requests are never cut off at the end (that would bias the tail): a client stops
	// starting new ones once the time is up and MinRequests have been answered.
	more := func() bool {
		return ctx.Err() == nil && (time.Since(begin) < cfg.Duration || answered.Load() < int64(cfg.MinRequests))
	}
	record := func(d time.Duration, isAppend bool, err error) {
		mu.Lock()
		defer mu.Unlock()
		var se *StatusError
		switch {
		case err == nil && isAppend:
			apps = append(apps, d)
		case err == nil:
			ranks = append(ranks, d)
		case errors.As(err, &se) && se.Code == 429:
			rep.Rejected++
		default:
			rep.Errors++
			if len(rep.ErrorSamples) < 5 {
				rep.ErrorSamples = append(rep.ErrorSamples, err.Error())
			}
		}
	}
	for c := range cfg.Clients {
		wg.Go(func() {
			rng := rand.New(rand.NewPCG(cfg.Seed, uint64(c)))
			ccat := NewCatalog(cat.Items, cfg.Seed+uint64(c)+1)
			// The users this client appends to.
			var mine []int
			for u := c; u < cfg.Users; u += cfg.Clients {
				mine = append(mine, u)
			}
			for more() {
				isAppend := len(mine) > 0 && rng.IntN(cfg.AppendEvery) == 0
				t := time.Now()
				var err error
				if isAppend {
					u := mine[rng.IntN(len(mine))]
					evs := ccat.Events(cfg.AppendBatch, clock[u])
					clock[u] += int64(cfg.AppendBatch) * 60
					_, err = cl.Append(ctx, userName(u), evs)
				} else {
					req := ccat.Rank(cfg.Candidates)
					_, err = cl.Rank(ctx, userName(rng.IntN(cfg.Users)), &req)
				}
				record(time.Since(t), isAppend, err)
				if err == nil {
					answered.Add(1)
				}
				var se *StatusError
				if errors.As(err, &se) && se.Code == 429 {
					time.Sleep(100 * time.Millisecond) // back off, as Retry-After asks
				}
			}
		})
	}
	wg.Wait()
	rep.Seconds = time.Since(begin).Seconds()
	rep.Ranks, rep.Appends = len(ranks), len(apps)
	rep.Throughput = float64(rep.Ranks+rep.Appends) / rep.Seconds
	rep.RankP50, rep.RankP99 = quantile(ranks, 0.5), quantile(ranks, 0.99)
	rep.AppP50, rep.AppP99 = quantile(apps, 0.5), quantile(apps, 0.99)
	return rep, nil
}

func userName(u int) string { return fmt.Sprintf("load-%d", u) }

func quantile(d []time.Duration, q float64) time.Duration {
	if len(d) == 0 {
		return 0
	}
	slices.Sort(d)
	return d[min(len(d)-1, int(q*float64(len(d))))]
}

// Write prints the report as a Markdown table.
func (r LoadReport) Write(w io.Writer) error {
	c := r.Config
	_, err := fmt.Fprintf(w, "| clients N | seconds T | users | L | C | appends | ranks | req/s | rank p50 | rank p99 | append p50 | append p99 | 429s | errors |\n"+
		"| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |\n"+
		"| %d | %.0f | %d | %d | %d | %d | %d | %.1f | %s | %s | %s | %s | %d | %d |\n",
		c.Clients, r.Seconds, c.Users, c.History, c.Candidates, r.Appends, r.Ranks, r.Throughput,
		ms(r.RankP50), ms(r.RankP99), ms(r.AppP50), ms(r.AppP99), r.Rejected, r.Errors)
	for _, s := range r.ErrorSamples {
		if err == nil {
			_, err = fmt.Fprintf(w, "\nerror: %s\n", s)
		}
	}
	return err
}

func ms(d time.Duration) string { return fmt.Sprintf("%.1f ms", float64(d.Microseconds())/1000) }
