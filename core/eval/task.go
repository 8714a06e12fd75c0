package eval

import (
	"encoding/csv"
	"errors"
	"fmt"
	"hash/fnv"
	"io"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/seminar-ranker/seminar/core/data"
)

// Case is one ranking question: given the user's history, rank the target's item among the
// candidates, each paired with the target's query.
type Case struct {
	User    int32        // index into Dataset.Users
	History []data.Event // in time order; aliases the dataset
	Target  data.Event
}

// Task is a dataset split for training and evaluation.
type Task struct {
	Dataset *data.Dataset
	// Protocol says how the split was made, for reports.
	Protocol string
	// Train holds the training sequences, one per user that has any, in time order.
	Train        [][]data.Event
	Valid, Test  []Case
	SkippedUsers int // users with too few events to be evaluated (they still train)
}

// LeaveOneOut splits d by time (see the package documentation): users with at least minEvents
// events give a validation and a test case; the others train with all their events.
func LeaveOneOut(d *data.Dataset, minEvents int) (*Task, error) {
	split, err := data.LeaveOneOut(d, minEvents)
	if err != nil {
		return nil, fmt.Errorf("eval: %w", err)
	}
	t := &Task{Dataset: d, SkippedUsers: split.Skipped, Protocol: fmt.Sprintf(
		"leave-one-out by time: last event = test, second-to-last = validation, users with ≥ %d events evaluated", minEvents)}
	evaluated := make([]bool, len(d.Users))
	for _, u := range split.Users {
		evaluated[u.User] = true
		events := d.Users[u.User].Events
		n := len(events)
		if len(u.Train) > 0 {
			t.Train = append(t.Train, u.Train)
		}
		t.Valid = append(t.Valid, Case{User: int32(u.User), History: events[: n-2 : n-2], Target: u.Valid})
		t.Test = append(t.Test, Case{User: int32(u.User), History: events[: n-1 : n-1], Target: u.Test})
	}
	for u, user := range d.Users {
		if !evaluated[u] && len(user.Events) > 0 {
			t.Train = append(t.Train, user.Events)
		}
	}
	return t, nil
}

// BestBuyHeldOut splits the Best Buy dataset d (as core/data/convert builds it) by the source
// file of each click: the clicks listed in testCSV (the dataset's test.csv) become cases, half of
// the users' for validation and half for test by a hash of the user ID, with the user's earlier
// training clicks as history; every other click trains.
func BestBuyHeldOut(d *data.Dataset, testCSV string) (*Task, error) {
	held, err := readHeldOut(testCSV)
	if err != nil {
		return nil, err
	}
	if err := d.Validate(); err != nil {
		return nil, fmt.Errorf("eval: %w", err)
	}
	itemIndex := make(map[string]int32, len(d.Items))
	for i, it := range d.Items {
		itemIndex[it.ID] = int32(i)
	}
	t := &Task{Dataset: d, Protocol: "Best Buy: the clicks of test.csv are the cases (validation or test by a hash of " +
		"the user), each with its user's earlier train.csv clicks as history; train.csv clicks train"}
	found := 0
	for u, user := range d.Users {
		var train []data.Event
		for _, e := range user.Events {
			k := heldKey{user.ID, d.Items[e.Item].ID, e.Query, e.Time}
			if held[k] == 0 {
				train = append(train, e)
				continue
			}
			held[k]--
			found++
			c := Case{User: int32(u), History: train[:len(train):len(train)], Target: e}
			if userHash(user.ID)%2 == 0 {
				t.Valid = append(t.Valid, c)
			} else {
				t.Test = append(t.Test, c)
			}
		}
		if len(train) > 0 {
			t.Train = append(t.Train, train)
		}
	}
	for k, n := range held {
		if n > 0 {
			return nil, fmt.Errorf("eval: %s: click of user %s on %s at %d is not in the dataset", testCSV, k.user, k.sku, k.time)
		}
	}
	if found == 0 {
		return nil, fmt.Errorf("eval: %s: no held-out clicks", testCSV)
	}
	return t, nil
}

type heldKey struct {
	user, sku, query string
	time             int64
}

// readHeldOut counts the clicks of a Best Buy CSV file by user, SKU, query (whitespace
// normalised, as the converter does) and click time in Unix seconds (UTC).
func readHeldOut(path string) (map[heldKey]int, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("eval: %w", err)
	}
	defer f.Close()
	r := csv.NewReader(f)
	r.FieldsPerRecord = 6
	header, err := r.Read()
	if err != nil {
		return nil, fmt.Errorf("eval: %s: header: %w", path, err)
	}
	if got := strings.Join(header, ","); got != "user,sku,category,query,click_time,query_time" {
		return nil, fmt.Errorf("eval: %s: unexpected header %q", path, got)
	}
	held := make(map[heldKey]int)
	for {
		rec, err := r.Read()
		if errors.Is(err, io.EOF) {
			return held, nil
		}
		if err != nil {
			return nil, fmt.Errorf("eval: %s: %w", path, err)
		}
		clock := strings.Replace(strings.TrimSpace(rec[4]), "T", " ", 1)
		at, err := time.ParseInLocation("2006-01-02 15:04:05", clock, time.UTC)
		if err != nil {
			return nil, fmt.Errorf("eval: %s: click time %q: %w", path, rec[4], err)
		}
		held[heldKey{strings.TrimSpace(rec[0]), strings.TrimSpace(rec[1]), strings.Join(strings.Fields(rec[3]), " "), at.Unix()}]++
	}
}

func userHash(id string) uint64 {
	h := fnv.New64a()
	h.Write([]byte(id))
	return h.Sum64()
}

// Describe summarises the task's size, for reports.
func (t *Task) Describe() string {
	n := 0
	for _, s := range t.Train {
		n += len(s)
	}
	return strconv.Itoa(len(t.Train)) + " training sequences (" + strconv.Itoa(n) + " events), " +
		strconv.Itoa(len(t.Valid)) + " validation and " + strconv.Itoa(len(t.Test)) + " test cases"
}
