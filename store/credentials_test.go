package store

import (
	"errors"
	"reflect"
	"testing"
	"time"

	"github.com/updraftsoar/updraft/runtime"
)

func TestWebhook_InsertGetList(t *testing.T) {
	forEachBackend(t, func(t *testing.T, s *Store) {
		base := ms(time.Now())
		hooks := []Webhook{
			{Token: "tok-b", PlaybookID: "triage", NodeID: "start", CreatedAt: base.Add(time.Second)},
			{Token: "tok-a", PlaybookID: "triage", NodeID: "start2", CreatedAt: base},
			{Token: "tok-c", PlaybookID: "phish", NodeID: "start", CreatedAt: base},
		}
		for i := range hooks {
			if err := s.InsertWebhook(t.Context(), &hooks[i]); err != nil {
				t.Fatalf("InsertWebhook %s: %v", hooks[i].Token, err)
			}
		}

		got, err := s.GetWebhook(t.Context(), "tok-b")
		if err != nil {
			t.Fatalf("GetWebhook: %v", err)
		}
		if !reflect.DeepEqual(*got, hooks[0]) {
			t.Errorf("GetWebhook = %+v, want %+v", *got, hooks[0])
		}

		list, err := s.ListWebhooks(t.Context(), "triage")
		if err != nil {
			t.Fatalf("ListWebhooks: %v", err)
		}
		if want := []Webhook{hooks[1], hooks[0]}; !reflect.DeepEqual(list, want) {
			t.Errorf("ListWebhooks(triage) = %+v, want %+v", list, want)
		}

		all, err := s.ListWebhooks(t.Context(), "")
		if err != nil {
			t.Fatalf("ListWebhooks all: %v", err)
		}
		if len(all) != 3 {
			t.Errorf("ListWebhooks(\"\") returned %d webhooks, want 3", len(all))
		}
	})
}

func TestWebhook_ConflictAndNotFound(t *testing.T) {
	forEachBackend(t, func(t *testing.T, s *Store) {
		w := &Webhook{Token: "tok", PlaybookID: "triage", NodeID: "start", CreatedAt: time.Now()}
		if err := s.InsertWebhook(t.Context(), w); err != nil {
			t.Fatalf("InsertWebhook: %v", err)
		}
		if err := s.InsertWebhook(t.Context(), w); !errors.Is(err, runtime.ErrConflict) {
			t.Errorf("second InsertWebhook: got %v, want ErrConflict", err)
		}

		_, err := s.GetWebhook(t.Context(), "secret-token-value")
		if !errors.Is(err, runtime.ErrNotFound) {
			t.Fatalf("GetWebhook: got %v, want ErrNotFound", err)
		}
		if want := "webhook: not found"; err.Error() != want {
			t.Errorf("GetWebhook error = %q, want %q (without the token)", err, want)
		}
	})
}

func TestToken_InsertGetCount(t *testing.T) {
	forEachBackend(t, func(t *testing.T, s *Store) {
		if n, err := s.CountTokens(t.Context()); err != nil || n != 0 {
			t.Fatalf("CountTokens on empty store = %d, %v; want 0, nil", n, err)
		}

		used := ms(time.Now())
		tokens := []Token{
			{ID: "tk1", Name: "ci", Role: "developer", Hash: "aa11", CreatedAt: ms(time.Now())},
			{ID: "tk2", Name: "siem", Role: "analyst", Hash: "bb22", CreatedAt: ms(time.Now()),
				LastUsedAt: &used},
		}
		for i := range tokens {
			if err := s.InsertToken(t.Context(), &tokens[i]); err != nil {
				t.Fatalf("InsertToken %s: %v", tokens[i].ID, err)
			}
		}

		got, err := s.GetTokenByHash(t.Context(), "bb22")
		if err != nil {
			t.Fatalf("GetTokenByHash: %v", err)
		}
		if !reflect.DeepEqual(*got, tokens[1]) {
			t.Errorf("GetTokenByHash = %+v, want %+v", *got, tokens[1])
		}
		if n, err := s.CountTokens(t.Context()); err != nil || n != 2 {
			t.Errorf("CountTokens = %d, %v; want 2, nil", n, err)
		}
	})
}

func TestToken_ConflictAndNotFound(t *testing.T) {
	forEachBackend(t, func(t *testing.T, s *Store) {
		first := &Token{ID: "tk1", Name: "ci", Role: "admin", Hash: "aa11", CreatedAt: time.Now()}
		if err := s.InsertToken(t.Context(), first); err != nil {
			t.Fatalf("InsertToken: %v", err)
		}

		tests := []struct {
			name  string
			token Token
		}{
			{"same hash", Token{ID: "tk2", Name: "x", Role: "admin", Hash: "aa11"}},
			{"same id", Token{ID: "tk1", Name: "x", Role: "admin", Hash: "cc33"}},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				err := s.InsertToken(t.Context(), &tt.token)
				if !errors.Is(err, runtime.ErrConflict) {
					t.Errorf("InsertToken: got %v, want ErrConflict", err)
				}
			})
		}

		if _, err := s.GetTokenByHash(t.Context(), "ffff"); !errors.Is(err, runtime.ErrNotFound) {
			t.Errorf("GetTokenByHash: got %v, want ErrNotFound", err)
		}
	})
}

func TestSession_GetAndDelete(t *testing.T) {
	forEachBackend(t, func(t *testing.T, s *Store) {
		now := ms(time.Now())
		sess := &Session{
			ID: "h1", Subject: "alice", Role: "analyst", CSRFToken: "csrf1",
			CreatedAt: now, ExpiresAt: now.Add(time.Hour),
		}
		if err := s.InsertSession(t.Context(), sess); err != nil {
			t.Fatalf("InsertSession: %v", err)
		}
		if err := s.InsertSession(t.Context(), sess); !errors.Is(err, runtime.ErrConflict) {
			t.Errorf("second InsertSession: got %v, want ErrConflict", err)
		}

		got, err := s.GetSession(t.Context(), "h1")
		if err != nil {
			t.Fatalf("GetSession: %v", err)
		}
		if !reflect.DeepEqual(got, sess) {
			t.Errorf("GetSession = %+v, want %+v", got, sess)
		}

		if err := s.DeleteSession(t.Context(), "h1"); err != nil {
			t.Fatalf("DeleteSession: %v", err)
		}
		if _, err := s.GetSession(t.Context(), "h1"); !errors.Is(err, runtime.ErrNotFound) {
			t.Errorf("GetSession after delete: got %v, want ErrNotFound", err)
		}
		if err := s.DeleteSession(t.Context(), "h1"); !errors.Is(err, runtime.ErrNotFound) {
			t.Errorf("second DeleteSession: got %v, want ErrNotFound", err)
		}
	})
}

func TestSession_ExpiredIsNotFound(t *testing.T) {
	forEachBackend(t, func(t *testing.T, s *Store) {
		now := ms(time.Now())
		sessions := []Session{
			{ID: "old", Subject: "alice", Role: "analyst", CreatedAt: now.Add(-2 * time.Hour),
				ExpiresAt: now.Add(-time.Hour)},
			{ID: "new", Subject: "bob", Role: "admin", CreatedAt: now, ExpiresAt: now.Add(time.Hour)},
		}
		for i := range sessions {
			if err := s.InsertSession(t.Context(), &sessions[i]); err != nil {
				t.Fatalf("InsertSession %s: %v", sessions[i].ID, err)
			}
		}

		if _, err := s.GetSession(t.Context(), "old"); !errors.Is(err, runtime.ErrNotFound) {
			t.Errorf("GetSession of expired session: got %v, want ErrNotFound", err)
		}

		n, err := s.DeleteExpiredSessions(t.Context(), now)
		if err != nil || n != 1 {
			t.Errorf("DeleteExpiredSessions = %d, %v; want 1, nil", n, err)
		}
		if _, err := s.GetSession(t.Context(), "new"); err != nil {
			t.Errorf("GetSession of live session after cleanup: %v", err)
		}
	})
}
