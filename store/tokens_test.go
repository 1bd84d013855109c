package store

import (
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/updraftsoar/updraft/runtime"
)

func TestToken_ListGetDelete(t *testing.T) {
	forEachBackend(t, func(t *testing.T, s *Store) {
		base := ms(time.Now())
		tokens := []Token{
			{ID: "tk2", Name: "siem", Role: "analyst", Hash: "bb22", CreatedAt: base.Add(time.Second)},
			{ID: "tk1", Name: "admin", Role: "admin", Hash: "aa11", CreatedAt: base},
		}
		for i := range tokens {
			if err := s.InsertToken(t.Context(), &tokens[i]); err != nil {
				t.Fatalf("InsertToken %s: %v", tokens[i].ID, err)
			}
		}

		list, err := s.ListTokens(t.Context())
		if err != nil {
			t.Fatalf("ListTokens: %v", err)
		}
		if want := []Token{tokens[1], tokens[0]}; !slices.Equal(list, want) {
			t.Errorf("ListTokens = %+v, want %+v (oldest first)", list, want)
		}

		got, err := s.GetToken(t.Context(), "tk2")
		if err != nil {
			t.Fatalf("GetToken: %v", err)
		}
		if *got != tokens[0] {
			t.Errorf("GetToken = %+v, want %+v", *got, tokens[0])
		}

		if err := s.DeleteToken(t.Context(), "tk2"); err != nil {
			t.Fatalf("DeleteToken: %v", err)
		}
		if _, err := s.GetTokenByHash(t.Context(), "bb22"); !errors.Is(err, runtime.ErrNotFound) {
			t.Errorf("GetTokenByHash after delete: got %v, want ErrNotFound", err)
		}
		if _, err := s.GetToken(t.Context(), "tk2"); !errors.Is(err, runtime.ErrNotFound) {
			t.Errorf("GetToken after delete: got %v, want ErrNotFound", err)
		}
		if err := s.DeleteToken(t.Context(), "tk2"); !errors.Is(err, runtime.ErrNotFound) {
			t.Errorf("second DeleteToken: got %v, want ErrNotFound", err)
		}
	})
}

func TestSession_DeleteTokenSessions(t *testing.T) {
	forEachBackend(t, func(t *testing.T, s *Store) {
		now := ms(time.Now())
		sessions := []Session{
			{ID: "s1", Subject: "siem", Role: "analyst", TokenID: "tk2", CreatedAt: now,
				ExpiresAt: now.Add(time.Hour)},
			{ID: "s2", Subject: "siem", Role: "analyst", TokenID: "tk2", CreatedAt: now,
				ExpiresAt: now.Add(time.Hour)},
			{ID: "s3", Subject: "admin", Role: "admin", TokenID: "tk1", CreatedAt: now,
				ExpiresAt: now.Add(time.Hour)},
			{ID: "s4", Subject: "old", Role: "admin", CreatedAt: now, ExpiresAt: now.Add(time.Hour)},
		}
		for i := range sessions {
			if err := s.InsertSession(t.Context(), &sessions[i]); err != nil {
				t.Fatalf("InsertSession %s: %v", sessions[i].ID, err)
			}
		}

		n, err := s.DeleteTokenSessions(t.Context(), "tk2")
		if err != nil || n != 2 {
			t.Fatalf("DeleteTokenSessions(tk2) = %d, %v; want 2, nil", n, err)
		}
		for _, id := range []string{"s1", "s2"} {
			if _, err := s.GetSession(t.Context(), id); !errors.Is(err, runtime.ErrNotFound) {
				t.Errorf("GetSession(%s) after delete: got %v, want ErrNotFound", id, err)
			}
		}
		if n, err := s.DeleteTokenSessions(t.Context(), ""); err != nil || n != 0 {
			t.Errorf("DeleteTokenSessions(\"\") = %d, %v; want 0, nil", n, err)
		}
		for _, id := range []string{"s3", "s4"} {
			if _, err := s.GetSession(t.Context(), id); err != nil {
				t.Errorf("GetSession(%s) of another token: %v", id, err)
			}
		}
	})
}
