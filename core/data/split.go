package data

import (
	"errors"
	"strconv"
)

// MinSplitEvents is the fewest events LeaveOneOut accepts as its threshold: one to train on, one
// to validate and one to test.
const MinSplitEvents = 3

// UserSplit is one user's share of a leave-one-out split. Train aliases the start of the user's
// event slice (its capacity is capped, so appending to it never overwrites Valid); the history
// before Valid is Train, and the history before Test is Train followed by Valid.
type UserSplit struct {
	User  int     // index into Dataset.Users
	Train []Event // every event but the last two, in time order
	Valid Event   // the second-to-last event
	Test  Event   // the last event
}

// Split is a leave-one-out split by time: one entry per user with enough events, in the order of
// Dataset.Users. Users with fewer events are left out and counted in Skipped.
type Split struct {
	Users   []UserSplit
	Skipped int
}

// LeaveOneOut splits d by time: for every user with at least minEvents events the last event is
// the test event, the one before it the validation event and the rest the training prefix. It
// validates d first, so events are known to be in time order; the result depends on nothing but d
// and minEvents.
func LeaveOneOut(d *Dataset, minEvents int) (Split, error) {
	if minEvents < MinSplitEvents {
		return Split{}, errors.New("data: leave-one-out needs minEvents >= " + strconv.Itoa(MinSplitEvents) +
			", got " + strconv.Itoa(minEvents))
	}
	if err := d.Validate(); err != nil {
		return Split{}, err
	}
	var s Split
	for u := range d.Users {
		events := d.Users[u].Events
		n := len(events)
		if n < minEvents {
			s.Skipped++
			continue
		}
		s.Users = append(s.Users, UserSplit{
			User:  u,
			Train: events[: n-2 : n-2],
			Valid: events[n-2],
			Test:  events[n-1],
		})
	}
	return s, nil
}
