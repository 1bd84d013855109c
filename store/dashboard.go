package store

import (
	"context"
	"fmt"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/updraftsoar/updraft/runtime"
)

// DashboardQuery selects the runs that a dashboard summary counts.
type DashboardQuery struct {
	// From and To bound the creation time of the runs: From inclusive,
	// To exclusive.
	From, To time.Time
	// PlaybookID keeps only the runs of one playbook; empty keeps all.
	PlaybookID string
	// MinutesPerAlert is the analyst time, in minutes, that one automated
	// run saves. It is an estimate that the admin sets.
	MinutesPerAlert int
}

// dashboardRun is the projection of a run that the dashboard reads.
type dashboardRun struct {
	ID          string     `bson:"_id"`
	PlaybookID  string     `bson:"playbook_id"`
	Status      string     `bson:"status"`
	CreatedAt   time.Time  `bson:"created_at"`
	EndedAt     *time.Time `bson:"ended_at,omitempty"`
	ParentRunID string     `bson:"parent_run_id,omitempty"`
}

var dashboardRunFields = bson.D{
	{Key: "_id", Value: 1}, {Key: "playbook_id", Value: 1}, {Key: "status", Value: 1},
	{Key: "created_at", Value: 1}, {Key: "ended_at", Value: 1}, {Key: "parent_run_id", Value: 1},
}

// dashboardApproval is the projection of an approval request or of an
// answer that the dashboard reads.
type dashboardApproval struct {
	ID       string `bson:"_id"`
	RunID    string `bson:"run_id,omitempty"`
	Status   string `bson:"status,omitempty"`
	TimedOut bool   `bson:"timed_out,omitempty"`
}

// Dashboard returns the figures of the runs that q selects. Embedded
// FerretDB scans a whole collection for any filter but _id, so Dashboard
// reads each of runs, active_runs, approvals and approval_answers once,
// with a projection of the fields it needs. Retention keeps runs bounded.
func (s *Store) Dashboard(ctx context.Context, q DashboardQuery) (*DashboardSummary, error) {
	runs, err := s.dashboardRuns(ctx, q)
	if err != nil {
		return nil, err
	}
	human, err := s.humanAnsweredRuns(ctx, q.From)
	if err != nil {
		return nil, err
	}
	return summarize(q, runs, human), nil
}

// dashboardRuns returns the runs created in q's window, of every playbook
// and child runs included, so that a child's approvals count for its root.
func (s *Store) dashboardRuns(ctx context.Context, q DashboardQuery) ([]dashboardRun, error) {
	filter := bson.D{{Key: "created_at", Value: bson.D{
		{Key: "$gte", Value: q.From}, {Key: "$lt", Value: q.To},
	}}}
	opts := options.Find().SetProjection(dashboardRunFields)
	ended, err := findAll[dashboardRun](ctx, s.runs, filter, opts)
	if err != nil {
		return nil, fmt.Errorf("dashboard: read runs: %w", err)
	}
	active, err := findAll[dashboardRun](ctx, s.active, filter, opts)
	if err != nil {
		return nil, fmt.Errorf("dashboard: read active runs: %w", err)
	}

	// A crash between the two writes of a run's end leaves a stale copy
	// in active_runs, and the copy in runs is the newer one.
	seen := make(map[string]bool, len(ended))
	for _, r := range ended {
		seen[r.ID] = true
	}
	for _, r := range active {
		if !seen[r.ID] {
			ended = append(ended, r)
		}
	}
	return ended, nil
}

// humanAnsweredRuns returns the ids of the runs with an approval that a
// person answered. An approval that timed out to its default option does
// not count. Approvals are created after their run, so only those created
// from since on are read.
func (s *Store) humanAnsweredRuns(ctx context.Context, since time.Time) (map[string]bool, error) {
	requests, err := findAll[dashboardApproval](ctx, s.approvals,
		bson.D{{Key: "created_at", Value: bson.D{{Key: "$gte", Value: since}}}},
		options.Find().SetProjection(bson.D{
			{Key: "_id", Value: 1}, {Key: "run_id", Value: 1}, {Key: "status", Value: 1},
		}))
	if err != nil {
		return nil, fmt.Errorf("dashboard: read approvals: %w", err)
	}
	answers, err := findAll[dashboardApproval](ctx, s.answers,
		bson.D{{Key: "at", Value: bson.D{{Key: "$gte", Value: since}}}},
		options.Find().SetProjection(bson.D{{Key: "_id", Value: 1}, {Key: "timed_out", Value: 1}}))
	if err != nil {
		return nil, fmt.Errorf("dashboard: read approval answers: %w", err)
	}

	// The request's status can lag its answer by the poll interval, so
	// either one marks the approval answered by a person.
	answeredByPerson := make(map[string]bool, len(answers))
	for _, a := range answers {
		answeredByPerson[a.ID] = !a.TimedOut
	}
	human := make(map[string]bool)
	for _, r := range requests {
		if answeredByPerson[r.ID] || r.Status == string(runtime.ApprovalAnswered) {
			human[r.RunID] = true
		}
	}
	return human, nil
}
