package store

import (
	"context"
	"fmt"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/updraftsoar/updraft/runtime"
)

var _ runtime.ApprovalStore = (*Store)(nil)

// approvalDoc is an approval request. The run's owner inserts it and
// replaces it when the request is settled.
type approvalDoc struct {
	ID            string     `bson:"_id"`
	RunID         string     `bson:"run_id"`
	StepID        string     `bson:"step_id"`
	NodeID        string     `bson:"node_id"`
	PlaybookID    string     `bson:"playbook_id"`
	Question      string     `bson:"question"`
	Options       []string   `bson:"options"`
	AssigneeRole  string     `bson:"assignee_role"`
	Comment       string     `bson:"comment"`
	DefaultOption string     `bson:"default_option,omitempty"`
	Deadline      *time.Time `bson:"deadline,omitempty"`
	Status        string     `bson:"status"`
	CreatedAt     time.Time  `bson:"created_at"`
}

// answerDoc is the answer to an approval. Its _id is the approval id, so
// the first answer inserted wins and a second one is a duplicate key.
type answerDoc struct {
	ID       string    `bson:"_id"`
	Option   string    `bson:"option,omitempty"`
	Comment  string    `bson:"comment,omitempty"`
	By       string    `bson:"by,omitempty"`
	At       time.Time `bson:"at"`
	TimedOut bool      `bson:"timed_out,omitempty"`
}

func toApprovalDoc(a *runtime.Approval) approvalDoc {
	return approvalDoc{
		ID: a.ID, RunID: a.RunID, StepID: a.StepID, NodeID: a.NodeID,
		PlaybookID: a.PlaybookID, Question: a.Question, Options: a.Options,
		AssigneeRole: a.AssigneeRole, Comment: a.Comment, DefaultOption: a.DefaultOption,
		Deadline: a.Deadline, Status: string(a.Status), CreatedAt: a.CreatedAt,
	}
}

func (d *approvalDoc) approval() runtime.Approval {
	return runtime.Approval{
		ID: d.ID, RunID: d.RunID, StepID: d.StepID, NodeID: d.NodeID,
		PlaybookID: d.PlaybookID, Question: d.Question, Options: d.Options,
		AssigneeRole: d.AssigneeRole, Comment: d.Comment, DefaultOption: d.DefaultOption,
		Deadline: d.Deadline, Status: runtime.ApprovalStatus(d.Status), CreatedAt: d.CreatedAt,
	}
}

func (d *answerDoc) answer() *runtime.ApprovalAnswer {
	return &runtime.ApprovalAnswer{ApprovalID: d.ID, Option: d.Option, Comment: d.Comment,
		By: d.By, At: d.At, TimedOut: d.TimedOut}
}

// SaveApproval inserts the approval or replaces the stored one with the
// same ID. Only the owner of the approval's run calls it.
func (s *Store) SaveApproval(ctx context.Context, a *runtime.Approval) error {
	opts := options.Replace().SetUpsert(true)
	err := retryBusy(ctx, func() error {
		_, err := s.approvals.ReplaceOne(ctx, bson.D{{Key: "_id", Value: a.ID}}, toApprovalDoc(a), opts)
		return err
	})
	if err != nil {
		return wrapErr(err, "run %q: save approval %q", a.RunID, a.ID)
	}
	return nil
}

// GetApproval returns the approval with id and its answer when one is
// stored, or runtime.ErrNotFound.
func (s *Store) GetApproval(ctx context.Context, id string) (*runtime.Approval, error) {
	var d approvalDoc
	if err := s.approvals.FindOne(ctx, bson.D{{Key: "_id", Value: id}}).Decode(&d); err != nil {
		return nil, wrapErr(err, "approval %q", id)
	}
	a := d.approval()
	answers, err := s.GetAnswers(ctx, []string{id})
	if err != nil {
		return nil, err
	}
	if len(answers) == 1 {
		a.Answer = &answers[0]
	}
	return &a, nil
}

// ListApprovals returns the approvals that f selects with their answers,
// newest first.
func (s *Store) ListApprovals(ctx context.Context, f runtime.ApprovalFilter) ([]runtime.Approval, error) {
	filter := bson.D{}
	if f.RunID != "" {
		filter = append(filter, bson.E{Key: "run_id", Value: f.RunID})
	}
	if f.Status != "" {
		filter = append(filter, bson.E{Key: "status", Value: string(f.Status)})
	}
	if f.AssigneeRole != "" {
		filter = append(filter, bson.E{Key: "assignee_role", Value: f.AssigneeRole})
	}
	opts := options.Find().SetSort(bson.D{{Key: "created_at", Value: -1}, {Key: "_id", Value: -1}})
	if f.Limit > 0 {
		opts.SetLimit(int64(f.Limit))
	}
	docs, err := findAll[approvalDoc](ctx, s.approvals, filter, opts)
	if err != nil {
		return nil, fmt.Errorf("list approvals: %w", err)
	}

	ids := make([]string, len(docs))
	for i := range docs {
		ids[i] = docs[i].ID
	}
	answers, err := s.GetAnswers(ctx, ids)
	if err != nil {
		return nil, err
	}
	byID := make(map[string]runtime.ApprovalAnswer, len(answers))
	for _, a := range answers {
		byID[a.ApprovalID] = a
	}
	approvals := make([]runtime.Approval, len(docs))
	for i := range docs {
		approvals[i] = docs[i].approval()
		if a, ok := byID[docs[i].ID]; ok {
			approvals[i].Answer = &a
		}
	}
	return approvals, nil
}

// InsertAnswer stores the answer to an approval. An approval that already
// has an answer is runtime.ErrConflict, so of two concurrent answers, or of
// an answer and a timeout, exactly one is stored.
func (s *Store) InsertAnswer(ctx context.Context, a *runtime.ApprovalAnswer) error {
	doc := answerDoc{ID: a.ApprovalID, Option: a.Option, Comment: a.Comment, By: a.By,
		At: a.At, TimedOut: a.TimedOut}
	if _, err := s.answers.InsertOne(ctx, doc); err != nil {
		return wrapErr(err, "approval %q: answer", a.ApprovalID)
	}
	return nil
}

// GetAnswers returns the stored answers of the approvals ids, in no
// particular order. An approval without an answer is left out.
func (s *Store) GetAnswers(ctx context.Context, ids []string) ([]runtime.ApprovalAnswer, error) {
	if len(ids) == 0 {
		return nil, nil
	}
	filter := bson.D{{Key: "_id", Value: bson.D{{Key: "$in", Value: ids}}}}
	docs, err := findAll[answerDoc](ctx, s.answers, filter, options.Find())
	if err != nil {
		return nil, fmt.Errorf("get answers of %d approvals: %w", len(ids), err)
	}
	answers := make([]runtime.ApprovalAnswer, len(docs))
	for i := range docs {
		answers[i] = *docs[i].answer()
	}
	return answers, nil
}
