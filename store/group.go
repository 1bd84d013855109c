package store

import (
	"context"
	"errors"
	"sync"

	"go.mongodb.org/mongo-driver/v2/mongo"
)

// maxGroupDocs is the number of documents after which a group commit
// stops taking more requests into its batch.
const maxGroupDocs = 1000

// errStoreClosed is the error of a write sent after Close.
var errStoreClosed = errors.New("store is closed")

// groupWriter inserts the documents of concurrent callers into one
// collection with one ordered InsertMany per batch (group commit). A batch
// holds every request that arrived while the previous batch was written,
// up to maxGroupDocs documents, so a lone caller pays one round trip and
// no wait, while many callers share a write. Each caller returns only
// after its own documents were written or failed.
type groupWriter struct {
	coll *mongo.Collection
	// single writes one request's documents alone, with its own retries.
	// It is used when a batch fails as a whole, such as on a locked
	// SQLite database, because part of the batch may be stored.
	single func(ctx context.Context, docs []any) error

	requests chan *groupRequest
	stop     chan struct{}
	done     chan struct{}
	stopOnce sync.Once
}

// groupRequest is one caller's documents and the channel that receives
// the outcome of their write.
type groupRequest struct {
	docs   []any
	result chan error
}

func newGroupWriter(coll *mongo.Collection,
	single func(ctx context.Context, docs []any) error) *groupWriter {
	w := &groupWriter{
		coll:     coll,
		single:   single,
		requests: make(chan *groupRequest, maxGroupDocs),
		stop:     make(chan struct{}),
		done:     make(chan struct{}),
	}
	go w.loop()
	return w
}

// insert writes docs in the next batch and waits for the outcome. The
// documents of one call are written in order: after a failure at one of
// them, the ones before it are stored and the ones after it are not.
// A ctx that ends first returns its error, and the write may still
// happen.
func (w *groupWriter) insert(ctx context.Context, docs []any) error {
	req := &groupRequest{docs: docs, result: make(chan error, 1)}
	select {
	case w.requests <- req:
	case <-w.done:
		return errStoreClosed
	case <-ctx.Done():
		return ctx.Err()
	}
	select {
	case err := <-req.result:
		return err
	case <-w.done:
		// The loop may have finished this request just before it stopped.
		select {
		case err := <-req.result:
			return err
		default:
			return errStoreClosed
		}
	case <-ctx.Done():
		return ctx.Err()
	}
}

// close writes the requests already queued and stops the loop.
func (w *groupWriter) close() {
	w.stopOnce.Do(func() { close(w.stop) })
	<-w.done
}

func (w *groupWriter) loop() {
	defer close(w.done)
	for {
		select {
		case req := <-w.requests:
			w.write(w.collect(req))
		case <-w.stop:
			for {
				select {
				case req := <-w.requests:
					w.write(w.collect(req))
				default:
					return
				}
			}
		}
	}
}

// collect returns first and the requests queued behind it, up to
// maxGroupDocs documents.
func (w *groupWriter) collect(first *groupRequest) []*groupRequest {
	batch := []*groupRequest{first}
	n := len(first.docs)
	for n < maxGroupDocs {
		select {
		case req := <-w.requests:
			batch = append(batch, req)
			n += len(req.docs)
		default:
			return batch
		}
	}
	return batch
}

// write inserts the batch's documents in one ordered InsertMany and
// sends each request its result. A write error at one document fails its request
// alone: the requests before it are stored, and the ones after it are
// written again in a new InsertMany. Any other failure sends each
// request without a result through single.
func (w *groupWriter) write(batch []*groupRequest) {
	ctx := context.Background()
	for len(batch) > 0 {
		var docs []any
		for _, req := range batch {
			docs = append(docs, req.docs...)
		}
		_, err := w.coll.InsertMany(ctx, docs)
		if err == nil {
			complete(batch, nil)
			return
		}

		k := -1
		if failed, ok := failedIndex(err); ok {
			k = requestAt(batch, failed)
		}
		if k < 0 {
			for _, req := range batch {
				req.result <- w.single(ctx, req.docs)
			}
			return
		}
		complete(batch[:k], nil)
		batch[k].result <- err
		batch = batch[k+1:]
	}
}

// failedIndex returns the index of the document at which an ordered
// insert stopped, when err is a write error of that one document other
// than a locked database.
func failedIndex(err error) (int, bool) {
	var bulk mongo.BulkWriteException
	if !errors.As(err, &bulk) || len(bulk.WriteErrors) == 0 || bulk.WriteConcernError != nil {
		return 0, false
	}
	first := bulk.WriteErrors[0]
	if isBusy(first) {
		return 0, false
	}
	return first.Index, true
}

// requestAt returns the position in batch of the request containing the
// document at index i of the batch's concatenated documents, or -1 when
// i is out of range.
func requestAt(batch []*groupRequest, i int) int {
	for k, req := range batch {
		if i < len(req.docs) {
			return k
		}
		i -= len(req.docs)
	}
	return -1
}

func complete(batch []*groupRequest, err error) {
	for _, req := range batch {
		req.result <- err
	}
}
