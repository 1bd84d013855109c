package store

import (
	"context"
	"errors"
	"slices"
	"sync"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
)

// A run's events have consecutive seqs from 1, so each page starts one
// after the end of the page before it. The store reads a run's pages by
// _id, one after another, instead of with a find by run_id, for which
// embedded FerretDB reads every page of every run.

// maxSpanRuns is the number of runs whose page bounds a spanCache keeps.
const maxSpanRuns = 4096

// spanCache keeps, by run, the ends of the run's pages from seq 1 as far
// as they were read. Pages never change once stored, so the bounds stay
// true until the run is deleted. It finds the page that holds a seq in the
// middle of a page without reading the pages before it again.
type spanCache struct {
	mu   sync.Mutex
	ends map[string][]int64 // page i holds ends[i-1]+1 to ends[i]
}

func newSpanCache() *spanCache {
	return &spanCache{ends: make(map[string][]int64)}
}

// start returns the first seq of the page of runID that holds seq, when
// the cache contains it, and otherwise the seq after the last known page.
func (c *spanCache) start(runID string, seq int64) int64 {
	c.mu.Lock()
	defer c.mu.Unlock()
	ends := c.ends[runID]
	i, _ := slices.BinarySearch(ends, seq)
	if i == 0 {
		return 1
	}
	return ends[i-1] + 1
}

// add records the page from first to last when it follows the last known
// page of runID.
func (c *spanCache) add(runID string, first, last int64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	ends := c.ends[runID]
	known := int64(0)
	if len(ends) > 0 {
		known = ends[len(ends)-1]
	}
	if first != known+1 || last < first {
		return
	}
	if ends == nil && len(c.ends) >= maxSpanRuns {
		for id := range c.ends {
			delete(c.ends, id) // an arbitrary run; its pages are read again
			break
		}
	}
	c.ends[runID] = append(ends, last)
}

// page returns the page of runID that starts at first, or nil when none
// does.
func (s *Store) page(ctx context.Context, runID string, first int64) (*eventPageDoc, error) {
	var d eventPageDoc
	err := s.events.FindOne(ctx, bson.D{{Key: "_id", Value: eventPageID(runID, first)}}).Decode(&d)
	if errors.Is(err, mongo.ErrNoDocuments) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	s.spans.add(runID, d.First, d.Last)
	return &d, nil
}

// pagesAfter returns the pages of runID that hold events with seqs above
// afterSeq, in seq order. With limit above zero it stops at the page that
// brings the events above afterSeq to limit.
func (s *Store) pagesAfter(ctx context.Context, runID string, afterSeq int64,
	limit int) ([]eventPageDoc, error) {
	want := afterSeq + 1
	p, err := s.page(ctx, runID, want)
	if err != nil {
		return nil, err
	}
	// No page starts at want: want lies inside a page, or after the last
	// one. The pages from the last known bound lead to it.
	for next := s.spans.start(runID, want); p == nil && next < want; {
		q, err := s.page(ctx, runID, next)
		if err != nil || q == nil {
			return nil, err
		}
		if q.Last >= want {
			p = q
		}
		next = q.Last + 1
	}

	var pages []eventPageDoc
	n := 0
	for p != nil {
		pages = append(pages, *p)
		n += int(p.Last - max(p.First-1, afterSeq))
		if limit > 0 && n >= limit {
			break
		}
		if p, err = s.page(ctx, runID, p.Last+1); err != nil {
			return nil, err
		}
	}
	return pages, nil
}

// forget drops the page bounds of runID.
func (c *spanCache) forget(runID string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	delete(c.ends, runID)
}
