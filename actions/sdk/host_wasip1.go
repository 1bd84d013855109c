//go:build wasip1

package sdk

import (
	"unsafe"
)

const (
	levelInfo = 1
	levelWarn = 2
)

//go:wasmimport updraft http_request
func httpRequest(reqPtr unsafe.Pointer, reqLen uint32, outPtr unsafe.Pointer, outCap uint32) int32

//go:wasmimport updraft secret_get
func secretGet(namePtr unsafe.Pointer, nameLen uint32, outPtr unsafe.Pointer, outCap uint32) int32

//go:wasmimport updraft read_result
func readResult(outPtr unsafe.Pointer, outCap uint32) int32

//go:wasmimport updraft log
func logMessage(level uint32, msgPtr unsafe.Pointer, msgLen uint32)

// hostHTTP passes the request JSON to the host and returns the result
// JSON, fetching it with read_result when it is larger than the buffer.
func hostHTTP(req []byte) ([]byte, error) {
	buf := make([]byte, 64<<10)
	n := httpRequest(unsafe.Pointer(unsafe.SliceData(req)), uint32(len(req)),
		unsafe.Pointer(unsafe.SliceData(buf)), uint32(len(buf)))
	if n < 0 {
		return nil, Errorf("http_failed", "http_request failed with errno %d", n)
	}
	if int(n) <= len(buf) {
		return buf[:n], nil
	}
	buf = make([]byte, n)
	m := readResult(unsafe.Pointer(unsafe.SliceData(buf)), uint32(len(buf)))
	if m < 0 {
		return nil, Errorf("http_failed", "read_result failed with errno %d", m)
	}
	return buf[:m], nil
}

// hostSecret reads a granted secret with secret_get, fetching it with
// read_result when it is larger than the buffer. It returns false for a
// secret the host does not grant.
func hostSecret(name string) (string, bool) {
	b := []byte(name)
	buf := make([]byte, 256)
	n := secretGet(unsafe.Pointer(unsafe.SliceData(b)), uint32(len(b)),
		unsafe.Pointer(unsafe.SliceData(buf)), uint32(len(buf)))
	if n < 0 {
		return "", false
	}
	if int(n) <= len(buf) {
		return string(buf[:n]), true
	}
	buf = make([]byte, n)
	if m := readResult(unsafe.Pointer(unsafe.SliceData(buf)), uint32(len(buf))); m >= 0 {
		return string(buf[:m]), true
	}
	return "", false
}

func hostLog(level uint32, msg string) {
	b := []byte(msg)
	logMessage(level, unsafe.Pointer(unsafe.SliceData(b)), uint32(len(b)))
}
