package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"slices"
	"sync"
	"time"
)

// posted is the outcome of the posting phase.
type posted struct {
	runIDs   []string
	start    time.Time // when the first request was sent
	duration time.Duration
}

// postWebhooks posts n alerts to hook with at most workers requests in
// flight, and returns the run IDs of the 202 responses. Any other
// response fails the test.
func postWebhooks(ctx context.Context, hook string, n, workers int) (*posted, error) {
	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: workers}}

	jobs := make(chan int)
	ids := make([]string, n)
	var wg sync.WaitGroup
	for range workers {
		wg.Go(func() {
			for i := range jobs {
				id, err := postOne(ctx, client, hook, i)
				if err != nil {
					cancel(err)
					return
				}
				ids[i] = id
			}
		})
	}

	start := time.Now()
	for i := range n {
		select {
		case jobs <- i:
		case <-ctx.Done():
		}
	}
	close(jobs)
	wg.Wait()
	if err := context.Cause(ctx); err != nil {
		return nil, fmt.Errorf("post webhooks: %w", err)
	}
	return &posted{runIDs: ids, start: start, duration: time.Since(start)}, nil
}

// postOne posts the i-th alert and returns its run ID.
func postOne(ctx context.Context, client *http.Client, hook string, i int) (string, error) {
	body := fmt.Sprintf(`{"src_ip": "10.0.%d.%d", "rule": "rule-%d", "severity": "high"}`,
		i/250%250, i%250+1, i)
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, hook, bytes.NewBufferString(body))
	if err != nil {
		return "", err
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := client.Do(req)
	if err != nil {
		return "", err
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	if err != nil {
		return "", err
	}
	if resp.StatusCode != http.StatusAccepted {
		return "", fmt.Errorf("webhook %d: status %d: %s", i, resp.StatusCode, data)
	}
	var out struct {
		RunID string `json:"run_id"`
	}
	if err := json.Unmarshal(data, &out); err != nil || out.RunID == "" {
		return "", fmt.Errorf("webhook %d: response %s has no run_id", i, data)
	}
	return out.RunID, nil
}

// listedRun is the part of a listed run that the report needs.
type listedRun struct {
	ID      string     `json:"id"`
	Status  string     `json:"status"`
	EndedAt *time.Time `json:"ended_at"`
}

// maxListLimit is the largest limit GET /api/v1/runs accepts.
const maxListLimit = 500

// warmUpRuns is the number of runs posted and waited for before the
// measured ones, so that the server compiled the bundled actions and
// started their first instances.
const warmUpRuns = 4

// warmUp posts n webhooks one after the other and waits until their runs
// ended. They are not counted.
func (s *server) warmUp(ctx context.Context, hook string, n int) error {
	p, err := postWebhooks(ctx, hook, n, 1)
	if err != nil {
		return fmt.Errorf("warm up: %w", err)
	}
	want := make(map[string]bool, n)
	for _, id := range p.runIDs {
		want[id] = true
	}
	ended := make(map[string]listedRun, n)
	for len(ended) < n {
		if err := s.collectEnded(ctx, want, ended); err != nil {
			return fmt.Errorf("warm up: %w", err)
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("warm up: %d of %d runs ended before the time limit", len(ended), n)
		case <-time.After(100 * time.Millisecond):
		}
	}
	return nil
}

// waitAndReport waits until every posted run ended, then prints the
// throughput from the first post to the last end. While runs go on it
// reads only the run posted last, once every 250 ms, because listing runs
// costs the server far more and would slow the runs it measures. Runs
// end about in the order they were posted, so the others are read once
// that one ended.
func (s *server) waitAndReport(ctx context.Context, p *posted) error {
	last := p.runIDs[len(p.runIDs)-1]
	for {
		var one listedRun
		if err := s.api(ctx, http.MethodGet, "/api/v1/runs/"+last, nil, &one); err != nil {
			return err
		}
		if one.EndedAt != nil {
			break
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("run %s did not end before the time limit", last)
		case <-time.After(250 * time.Millisecond):
		}
	}

	want := make(map[string]bool, len(p.runIDs))
	for _, id := range p.runIDs {
		want[id] = true
	}
	ended := make(map[string]listedRun, len(want))
	for len(ended) < len(want) {
		if err := s.collectEnded(ctx, want, ended); err != nil {
			return err
		}
		if len(ended) < len(want) {
			select {
			case <-ctx.Done():
				return fmt.Errorf("%d of %d runs ended before the time limit", len(ended), len(want))
			case <-time.After(500 * time.Millisecond):
			}
		}
	}
	report(p, ended)
	return nil
}

// collectEnded adds the ended runs among want to ended: from the list of
// the newest runs, and one by one for the others.
func (s *server) collectEnded(ctx context.Context, want map[string]bool,
	ended map[string]listedRun) error {
	var newest []listedRun
	path := fmt.Sprintf("/api/v1/runs?limit=%d", maxListLimit)
	if err := s.api(ctx, http.MethodGet, path, nil, &newest); err != nil {
		return err
	}
	for _, r := range newest {
		if want[r.ID] && r.EndedAt != nil {
			ended[r.ID] = r
		}
	}
	// Older runs are read one at a time once the newest have ended.
	if len(ended) < len(newest) {
		return nil
	}
	for id := range want {
		if _, ok := ended[id]; ok {
			continue
		}
		var one listedRun
		if err := s.api(ctx, http.MethodGet, "/api/v1/runs/"+id, nil, &one); err != nil {
			return err
		}
		if one.EndedAt == nil {
			return nil
		}
		ended[id] = one
	}
	return nil
}

func report(p *posted, ended map[string]listedRun) {
	statuses := map[string]int{}
	last := p.start
	for _, r := range ended {
		statuses[r.Status]++
		if r.EndedAt.After(last) {
			last = *r.EndedAt
		}
	}
	n := len(p.runIDs)
	total := last.Sub(p.start)
	fmt.Printf("runs: %d, posted in %s (%.0f/s)\n", n, p.duration.Round(time.Millisecond),
		float64(n)/p.duration.Seconds())
	fmt.Printf("first post to last run end: %s, %.0f runs/s\n", total.Round(time.Millisecond),
		float64(n)/total.Seconds())
	keys := make([]string, 0, len(statuses))
	for k := range statuses {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		fmt.Printf("status %s: %d\n", k, statuses[k])
	}
}
