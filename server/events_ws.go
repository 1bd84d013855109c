package server

import (
	"context"
	"errors"
	"net/http"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gorilla/websocket"
	"github.com/labstack/echo/v4"

	"github.com/updraftsoar/updraft/runtime"
)

const (
	eventQueueSize  = 256              // events buffered per connection
	eventPageSize   = 500              // events read from the store at once
	eventPollPeriod = time.Second      // store reads while the run is not live in this engine
	writeTimeout    = 10 * time.Second // deadline of one websocket write
	closeLinger     = 2 * time.Second  // wait for the client's close reply
)

// streamRunEvents upgrades to a websocket that sends the run's stored
// events with seq above ?after=, then live ones, and closes after
// run.finished.
func (s *Server) streamRunEvents(c echo.Context) error {
	runID := c.Param("id")
	after, err := parseAfter(c.QueryParam("after"))
	if err != nil {
		return err
	}
	req := c.Request()
	if _, err := s.store.GetRun(req.Context(), runID); err != nil {
		return storeError(err, "run \""+runID+"\" not found")
	}
	if !websocket.IsWebSocketUpgrade(req) {
		return errorf(http.StatusBadRequest, codeBadRequest,
			"this endpoint needs a websocket upgrade request")
	}
	if !s.sameOrigin(req) {
		return errorf(http.StatusForbidden, codeOriginNotAllowed,
			"websocket Origin %q is not this server", req.Header.Get("Origin"))
	}

	// Subscribe before reading the store, so no event falls between them.
	live, cancel := s.cfg.Engine.Subscribe(runID)
	upgrader := websocket.Upgrader{CheckOrigin: func(*http.Request) bool { return true }}
	conn, err := upgrader.Upgrade(c.Response(), req, nil)
	if err != nil {
		cancel()
		s.log.Info("websocket upgrade failed", "run_id", runID, "error", err)
		return nil
	}

	stream := newEventStream(conn, s.cfg.PingInterval)
	stream.written.Store(after)
	if !s.addStream(stream) {
		cancel()
		stream.closeWith(websocket.CloseGoingAway, "server shutting down")
		return nil
	}
	defer s.removeStream(stream)
	go stream.readLoop()
	go stream.writeLoop()

	f := &runFollower{server: s, stream: stream, runID: runID, lastSeq: after}
	f.follow(live, cancel)
	<-stream.done
	return nil
}

func parseAfter(value string) (int64, error) {
	if value == "" {
		return 0, nil
	}
	after, err := strconv.ParseInt(value, 10, 64)
	if err != nil || after < 0 {
		return 0, errorf(http.StatusBadRequest, codeBadRequest,
			"query parameter after=%q must be a non-negative event seq", value)
	}
	return after, nil
}

func (s *Server) addStream(stream *eventStream) bool {
	s.socketsMu.Lock()
	defer s.socketsMu.Unlock()
	if s.closing {
		return false
	}
	s.sockets[stream] = struct{}{}
	return true
}

func (s *Server) removeStream(stream *eventStream) {
	s.socketsMu.Lock()
	delete(s.sockets, stream)
	s.socketsMu.Unlock()
}

// runFollower feeds one stream from the engine's live events and the
// store, sending each seq once and in order.
type runFollower struct {
	server   *Server
	stream   *eventStream
	runID    string
	lastSeq  int64
	finished bool
}

// follow runs until the run finished and its last event is queued, or the
// stream closes.
func (f *runFollower) follow(live <-chan runtime.Event, cancel func()) {
	defer func() { cancel() }()
	ctx, stop := context.WithCancel(context.Background())
	defer stop()
	go func() {
		<-f.stream.done
		stop()
	}()

	poll := time.NewTicker(eventPollPeriod)
	defer poll.Stop()
	if !f.catchUp(ctx) {
		return
	}
	for !f.finished {
		select {
		case ev, ok := <-live:
			if !ok {
				// The engine dropped this subscriber or the run left it:
				// the store has everything, and polling takes over.
				live = nil
				if !f.catchUp(ctx) || !f.checkEnded(ctx) {
					return
				}
				continue
			}
			if ev.Seq > f.lastSeq+1 && !f.catchUp(ctx) {
				return
			}
			if !f.send(ev) {
				return
			}
		case <-poll.C:
			if live != nil {
				continue // the engine sends every event while it runs the run
			}
			cancel()
			live, cancel = f.server.cfg.Engine.Subscribe(f.runID)
			if !f.catchUp(ctx) || !f.checkEnded(ctx) {
				return
			}
		case <-f.stream.done:
			return
		}
	}
	f.stream.finish()
}

// catchUp sends the stored events after lastSeq. It returns false when
// the stream is over.
func (f *runFollower) catchUp(ctx context.Context) bool {
	for {
		events, err := f.server.store.ListEvents(ctx, f.runID, f.lastSeq, eventPageSize)
		if err != nil {
			if !errors.Is(err, context.Canceled) {
				f.server.log.Error("run events not read", "run_id", f.runID, "error", err)
				f.stream.closeWith(websocket.CloseInternalServerErr, "run events cannot be read")
			}
			return false
		}
		for _, ev := range events {
			if !f.send(ev) {
				return false
			}
		}
		if len(events) < eventPageSize {
			return true
		}
	}
}

// checkEnded marks the follower finished when the run has ended without a
// stored run.finished event. It returns false when the stream is over.
func (f *runFollower) checkEnded(ctx context.Context) bool {
	if f.finished {
		return true
	}
	run, err := f.server.store.GetRun(ctx, f.runID)
	if err != nil {
		if !errors.Is(err, context.Canceled) {
			f.server.log.Error("run not read", "run_id", f.runID, "error", err)
			f.stream.closeWith(websocket.CloseInternalServerErr, "run cannot be read")
		}
		return false
	}
	if run.Status.Ended() && f.catchUp(ctx) {
		f.finished = true
	}
	return true
}

// send queues ev unless its seq was queued already. When the queue stays
// full for writeTimeout, the client does not read: the stream closes, and
// the close reason names the last seq written, after which the client
// reconnects.
func (f *runFollower) send(ev runtime.Event) bool {
	if ev.Seq <= f.lastSeq {
		return true
	}
	select {
	case f.stream.queue <- ev:
	case <-f.stream.done:
		return false
	default:
		timer := time.NewTimer(writeTimeout)
		defer timer.Stop()
		select {
		case f.stream.queue <- ev:
		case <-f.stream.done:
			return false
		case <-timer.C:
			written := f.stream.written.Load()
			f.server.log.Info("slow websocket client closed", "run_id", f.runID, "last_seq", written)
			f.stream.closeWith(websocket.CloseTryAgainLater,
				"client too slow; reconnect with after="+strconv.FormatInt(written, 10))
			return false
		}
	}
	f.lastSeq = ev.Seq
	if ev.Type == runtime.EventRunFinished {
		f.finished = true
	}
	return true
}

// eventStream is one websocket connection. Only writeLoop writes data
// frames; control frames may be written from any goroutine.
type eventStream struct {
	conn     *websocket.Conn
	ping     time.Duration
	queue    chan runtime.Event
	finished chan struct{} // closed when no more events will be queued
	done     chan struct{} // closed when the connection is closed
	written  atomic.Int64  // seq of the last event written
	once     sync.Once
	finishMu sync.Once
}

func newEventStream(conn *websocket.Conn, ping time.Duration) *eventStream {
	return &eventStream{
		conn:     conn,
		ping:     ping,
		queue:    make(chan runtime.Event, eventQueueSize),
		finished: make(chan struct{}),
		done:     make(chan struct{}),
	}
}

// readLoop reads control frames so that pongs extend the read deadline,
// and notices when the client goes away.
func (s *eventStream) readLoop() {
	s.conn.SetReadLimit(4096)
	extend := func(string) error {
		return s.conn.SetReadDeadline(time.Now().Add(2 * s.ping))
	}
	_ = extend("")
	s.conn.SetPongHandler(extend)
	for {
		if _, _, err := s.conn.NextReader(); err != nil {
			s.shutdown()
			return
		}
	}
}

// writeLoop writes queued events and keepalive pings. After finish it
// drains the queue and closes the connection normally.
func (s *eventStream) writeLoop() {
	ticker := time.NewTicker(s.ping)
	defer ticker.Stop()
	for {
		select {
		case ev := <-s.queue:
			if !s.write(ev) {
				return
			}
		case <-s.finished:
			for {
				select {
				case ev := <-s.queue:
					if !s.write(ev) {
						return
					}
				default:
					s.closeWith(websocket.CloseNormalClosure, "run finished")
					return
				}
			}
		case <-ticker.C:
			deadline := time.Now().Add(writeTimeout)
			if err := s.conn.WriteControl(websocket.PingMessage, nil, deadline); err != nil {
				s.shutdown()
				return
			}
		case <-s.done:
			return
		}
	}
}

func (s *eventStream) write(ev runtime.Event) bool {
	if err := s.conn.SetWriteDeadline(time.Now().Add(writeTimeout)); err != nil {
		s.shutdown()
		return false
	}
	if err := s.conn.WriteJSON(ev); err != nil {
		s.shutdown()
		return false
	}
	s.written.Store(ev.Seq)
	return true
}

// finish tells the writer that every event is queued.
func (s *eventStream) finish() {
	s.finishMu.Do(func() { close(s.finished) })
}

// closeWith sends a close frame, waits briefly for the client's reply and
// closes the connection.
func (s *eventStream) closeWith(code int, text string) {
	message := websocket.FormatCloseMessage(code, text)
	_ = s.conn.WriteControl(websocket.CloseMessage, message, time.Now().Add(writeTimeout))
	select {
	case <-s.done:
	case <-time.After(closeLinger):
		s.shutdown()
	}
}

func (s *eventStream) closeGoingAway() {
	s.closeWith(websocket.CloseGoingAway, "server shutting down")
}

func (s *eventStream) shutdown() {
	s.once.Do(func() {
		close(s.done)
		_ = s.conn.Close()
	})
}
