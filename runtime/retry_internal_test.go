package runtime

import (
	"math/rand/v2"
	"testing"
	"time"
)

func TestBackoff_CeilingDoublesUpToMax(t *testing.T) {
	top := func(n int64) int64 { return n - 1 } // always the ceiling
	tests := []struct {
		attempt int
		want    time.Duration
	}{
		{1, 100 * time.Millisecond},
		{2, 200 * time.Millisecond},
		{3, 400 * time.Millisecond},
		{4, 800 * time.Millisecond},
		{5, time.Second},
		{40, time.Second},
	}
	for _, tt := range tests {
		got := backoff(tt.attempt, 100*time.Millisecond, time.Second, top)
		if got != tt.want {
			t.Errorf("backoff ceiling after attempt %d = %s, want %s", tt.attempt, got, tt.want)
		}
	}
	if got := backoff(3, 0, time.Second, top); got != 0 {
		t.Errorf("backoff with no initial delay = %s, want 0", got)
	}
}

func TestBackoff_FullJitterWithSeededSource(t *testing.T) {
	draw := func(seed uint64) []time.Duration {
		src := rand.New(rand.NewPCG(seed, 1))
		var got []time.Duration
		for attempt := 1; attempt <= 200; attempt++ {
			got = append(got, backoff(3, 100*time.Millisecond, time.Second, src.Int64N))
		}
		return got
	}
	first, again := draw(7), draw(7)
	for i := range first {
		if first[i] != again[i] {
			t.Fatalf("draw %d with the same seed = %s and %s, want equal", i, first[i], again[i])
		}
		if first[i] < 0 || first[i] > 400*time.Millisecond {
			t.Errorf("draw %d = %s, want within 0 and 400ms", i, first[i])
		}
	}

	low, high := 0, 0
	for _, d := range first {
		if d < 200*time.Millisecond {
			low++
		} else {
			high++
		}
	}
	if low < 50 || high < 50 {
		t.Errorf("draws below and above half the ceiling = %d and %d, want both at least 50 of 200",
			low, high)
	}
}
