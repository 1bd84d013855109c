//go:build wasip1

package main

import "unsafe"

//go:wasmimport updraft secret_get
func secretGet(namePtr unsafe.Pointer, nameLen uint32, outPtr unsafe.Pointer, outCap uint32) int32

// secretGetAt is secret_get with the output buffer as a plain address.
//
//go:wasmimport updraft secret_get
func secretGetAt(namePtr unsafe.Pointer, nameLen uint32, outAddr uint32, outCap uint32) int32

//go:wasmimport updraft read_result
func readResult(outPtr unsafe.Pointer, outCap uint32) int32

// rawSecret calls secret_get with a buffer of size bytes and, when the
// value is larger, read_result. It returns the value and the errno.
func rawSecret(name string, size int) (string, int32) {
	b := []byte(name)
	buf := make([]byte, size)
	n := secretGet(unsafe.Pointer(unsafe.SliceData(b)), uint32(len(b)),
		unsafe.Pointer(unsafe.SliceData(buf)), uint32(len(buf)))
	if n < 0 {
		return "", n
	}
	if int(n) <= len(buf) {
		return string(buf[:n]), n
	}
	buf = make([]byte, n)
	m := readResult(unsafe.Pointer(unsafe.SliceData(buf)), uint32(len(buf)))
	if m < 0 {
		return "", m
	}
	return string(buf[:m]), n
}

// faultSecret calls secret_get with an output pointer past the end of
// memory and returns the errno.
func faultSecret(name string) int32 {
	b := []byte(name)
	return secretGetAt(unsafe.Pointer(unsafe.SliceData(b)), uint32(len(b)), 0xfffffff0, 64)
}
