package store

import (
	"cmp"
	"math"
	"slices"
	"time"

	"github.com/updraftsoar/updraft/runtime"
)

// topPlaybookCount is the number of playbooks in DashboardSummary.TopPlaybooks.
const topPlaybookCount = 5

// DashboardSummary contains the figures of the runs created in a window.
// Child runs of subplaybook steps are not counted on their own: a person's
// answer to an approval in a child run counts for the root run.
type DashboardSummary struct {
	From       time.Time `json:"from"`
	To         time.Time `json:"to"`
	PlaybookID string    `json:"playbook_id,omitempty"`

	Runs   int          `json:"runs"`   // runs created in the window
	Status StatusCounts `json:"status"` // runs by final status, and still open

	// TimeToRespond is the duration from creation to end of the ended runs.
	TimeToRespond DurationStats `json:"time_to_respond"`

	// Automated counts the ended runs in which no person answered an
	// approval. AutomationRate is Automated over the ended runs, from 0 to
	// 1, and null when no run ended.
	Automated      int      `json:"automated"`
	AutomationRate *float64 `json:"automation_rate"`

	// TimeSavedMinutes is Automated times MinutesPerAlert, an estimate.
	MinutesPerAlert  int `json:"minutes_per_alert"`
	TimeSavedMinutes int `json:"time_saved_minutes"`

	Days         []DashboardDay    `json:"days"`
	TopPlaybooks []PlaybookFigures `json:"top_playbooks"`
}

// StatusCounts counts runs by status. Open counts the runs that are
// queued, running or waiting.
type StatusCounts struct {
	Succeeded int `json:"succeeded"`
	Failed    int `json:"failed"`
	Canceled  int `json:"canceled"`
	TimedOut  int `json:"timed_out"`
	Open      int `json:"open"`
}

// Ended returns the number of runs in a final status.
func (c StatusCounts) Ended() int { return c.Succeeded + c.Failed + c.Canceled + c.TimedOut }

// DurationStats summarizes durations in milliseconds. Each figure is null
// when Count is 0. Median and P90 are nearest-rank percentiles: the
// smallest duration that at least half, or 90 %, of the durations do not
// exceed.
type DurationStats struct {
	Count    int    `json:"count"`
	MedianMS *int64 `json:"median_ms"`
	P90MS    *int64 `json:"p90_ms"`
	MeanMS   *int64 `json:"mean_ms"`
}

// DashboardDay contains the figures of the runs created on one UTC day.
// MedianTimeToRespondMS is null when none of them ended.
type DashboardDay struct {
	Date                  string `json:"date"` // such as "2026-03-14"
	Runs                  int    `json:"runs"`
	Automated             int    `json:"automated"`
	MedianTimeToRespondMS *int64 `json:"median_time_to_respond_ms"`
}

// PlaybookFigures contains the run counts of one playbook. SuccessRate is
// Succeeded over Ended, from 0 to 1, and null when no run ended. The store
// leaves Name empty, and the server fills it in.
type PlaybookFigures struct {
	PlaybookID  string   `json:"playbook_id"`
	Name        string   `json:"name,omitempty"`
	Runs        int      `json:"runs"`
	Ended       int      `json:"ended"`
	Succeeded   int      `json:"succeeded"`
	SuccessRate *float64 `json:"success_rate"`
}

// summarize computes the figures of the root runs in runs that q selects.
// human holds the ids of runs in which a person answered an approval.
func summarize(q DashboardQuery, runs []dashboardRun, human map[string]bool) *DashboardSummary {
	sum := &DashboardSummary{
		From: q.From.UTC(), To: q.To.UTC(), PlaybookID: q.PlaybookID,
		MinutesPerAlert: q.MinutesPerAlert,
	}
	human = humanByRoot(runs, human)

	days := newDayIndex(sum.From, sum.To)
	perDay := make([][]int64, len(days.days))
	byPlaybook := make(map[string]*PlaybookFigures)
	var durations []int64
	for _, r := range runs {
		if r.ParentRunID != "" || (q.PlaybookID != "" && r.PlaybookID != q.PlaybookID) {
			continue
		}
		day := days.of(r.CreatedAt)
		sum.Runs++
		days.days[day].Runs++
		pb := byPlaybook[r.PlaybookID]
		if pb == nil {
			pb = &PlaybookFigures{PlaybookID: r.PlaybookID}
			byPlaybook[r.PlaybookID] = pb
		}
		pb.Runs++

		status := runtime.RunStatus(r.Status)
		countStatus(&sum.Status, status)
		if !status.Ended() || r.EndedAt == nil {
			continue
		}
		pb.Ended++
		if status == runtime.RunSucceeded {
			pb.Succeeded++
		}
		d := max(r.EndedAt.Sub(r.CreatedAt).Milliseconds(), 0)
		durations = append(durations, d)
		perDay[day] = append(perDay[day], d)
		if !human[r.ID] {
			sum.Automated++
			days.days[day].Automated++
		}
	}

	sum.TimeToRespond = durationStats(durations)
	sum.AutomationRate = ratio(sum.Automated, len(durations))
	sum.TimeSavedMinutes = sum.Automated * q.MinutesPerAlert
	for i := range days.days {
		days.days[i].MedianTimeToRespondMS = percentile(perDay[i], 50)
	}
	sum.Days = days.days
	sum.TopPlaybooks = topPlaybooks(byPlaybook, topPlaybookCount)
	return sum
}

// humanByRoot returns human with each run's mark copied to the root of its
// chain of parent runs, as far as runs contains the chain.
func humanByRoot(runs []dashboardRun, human map[string]bool) map[string]bool {
	parent := make(map[string]string, len(runs))
	for _, r := range runs {
		if r.ParentRunID != "" {
			parent[r.ID] = r.ParentRunID
		}
	}
	roots := make(map[string]bool, len(human))
	for id := range human {
		roots[id] = true
		// The bound stops a cycle, which the runtime never writes.
		for i := 0; i < len(runs) && parent[id] != ""; i++ {
			id = parent[id]
			roots[id] = true
		}
	}
	return roots
}

func countStatus(c *StatusCounts, status runtime.RunStatus) {
	switch status {
	case runtime.RunSucceeded:
		c.Succeeded++
	case runtime.RunFailed:
		c.Failed++
	case runtime.RunCanceled:
		c.Canceled++
	case runtime.RunTimedOut:
		c.TimedOut++
	default:
		c.Open++
	}
}

// durationStats returns the median, 90th percentile and mean of ms.
func durationStats(ms []int64) DurationStats {
	stats := DurationStats{Count: len(ms)}
	if len(ms) == 0 {
		return stats
	}
	var total float64
	for _, d := range ms {
		total += float64(d)
	}
	mean := int64(math.Round(total / float64(len(ms))))
	stats.MedianMS = percentile(ms, 50)
	stats.P90MS = percentile(ms, 90)
	stats.MeanMS = &mean
	return stats
}

// percentile returns the nearest-rank p-th percentile of ms, or nil when
// ms is empty. It sorts ms.
func percentile(ms []int64, p int) *int64 {
	if len(ms) == 0 {
		return nil
	}
	slices.Sort(ms)
	rank := (p*len(ms) + 99) / 100 // ceil(p/100 * n), from 1 to n
	v := ms[max(rank, 1)-1]
	return &v
}

func ratio(part, whole int) *float64 {
	if whole == 0 {
		return nil
	}
	r := float64(part) / float64(whole)
	return &r
}

// topPlaybooks returns the n playbooks with the most runs, ties broken by
// playbook id, with their success rates.
func topPlaybooks(byPlaybook map[string]*PlaybookFigures, n int) []PlaybookFigures {
	all := make([]PlaybookFigures, 0, len(byPlaybook))
	for _, pb := range byPlaybook {
		pb.SuccessRate = ratio(pb.Succeeded, pb.Ended)
		all = append(all, *pb)
	}
	slices.SortFunc(all, func(a, b PlaybookFigures) int {
		if c := cmp.Compare(b.Runs, a.Runs); c != 0 {
			return c
		}
		return cmp.Compare(a.PlaybookID, b.PlaybookID)
	})
	return all[:min(n, len(all))]
}

// dayIndex maps times to the UTC days of a window.
type dayIndex struct {
	first time.Time
	days  []DashboardDay
}

// newDayIndex returns the UTC days from the day of from to the day of the
// last instant before to.
func newDayIndex(from, to time.Time) *dayIndex {
	first := from.UTC().Truncate(24 * time.Hour)
	last := to.UTC().Add(-time.Nanosecond).Truncate(24 * time.Hour)
	idx := &dayIndex{first: first}
	for d := first; !d.After(last); d = d.AddDate(0, 0, 1) {
		idx.days = append(idx.days, DashboardDay{Date: d.Format(time.DateOnly)})
	}
	if len(idx.days) == 0 {
		idx.days = []DashboardDay{{Date: first.Format(time.DateOnly)}}
	}
	return idx
}

// of returns the index of the day of t, clamped to the window.
func (idx *dayIndex) of(t time.Time) int {
	i := int(t.UTC().Sub(idx.first) / (24 * time.Hour))
	return min(max(i, 0), len(idx.days)-1)
}
