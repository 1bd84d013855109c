package wasm

import (
	"errors"
	"testing"

	"github.com/tetratelabs/wazero/sys"
)

func TestCappedBuffer_ModuleStdoutPastLimit(t *testing.T) {
	stopped := false
	b := &cappedBuffer{max: 4, stop: func() { stopped = true }}
	if _, err := b.Write([]byte("abcd")); err != nil {
		t.Fatalf("write up to the limit: %v", err)
	}

	// The write past the limit must not return to the module, which
	// would go on running until wazero noticed the canceled call.
	defer func() {
		exit, ok := recover().(*sys.ExitError)
		if !ok {
			t.Fatal("write past the limit did not panic with a *sys.ExitError")
		}
		if exit.ExitCode() != sys.ExitCodeContextCanceled {
			t.Errorf("exit code = %d, want %d", exit.ExitCode(), sys.ExitCodeContextCanceled)
		}
		if !stopped {
			t.Error("stop was not called")
		}
		if !b.overflow {
			t.Error("overflow = false, want true")
		}
		if got := b.String(); got != "abcd" {
			t.Errorf("buffer = %q, want %q", got, "abcd")
		}
	}()
	_, _ = b.Write([]byte("e"))
}

func TestCappedBuffer_EnvelopePastLimit(t *testing.T) {
	b := &cappedBuffer{max: 4}
	if _, err := b.Write([]byte("abcde")); !errors.Is(err, errOutputTooLarge) {
		t.Errorf("write past the limit: error = %v, want errOutputTooLarge", err)
	}
	if !b.overflow {
		t.Error("overflow = false, want true")
	}
	if b.Len() != 0 {
		t.Errorf("buffer holds %d bytes, want 0", b.Len())
	}
}
