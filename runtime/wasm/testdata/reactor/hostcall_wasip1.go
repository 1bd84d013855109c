//go:build wasip1

package main

import "unsafe"

//go:wasmimport updraft secret_get
func secretGet(namePtr unsafe.Pointer, nameLen uint32, outPtr unsafe.Pointer, outCap uint32) int32

// rawSecret reads a secret of up to 256 bytes with secret_get and reports
// whether the host granted it.
func rawSecret(name string) (string, bool) {
	b := []byte(name)
	buf := make([]byte, 256)
	n := secretGet(unsafe.Pointer(unsafe.SliceData(b)), uint32(len(b)),
		unsafe.Pointer(unsafe.SliceData(buf)), uint32(len(buf)))
	if n < 0 || int(n) > len(buf) {
		return "", false
	}
	return string(buf[:n]), true
}
