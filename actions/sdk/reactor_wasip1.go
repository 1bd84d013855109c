//go:build wasip1

package sdk

import (
	"bytes"
	"unsafe"
)

// reactorBuffers keeps the request the host writes and the envelope it
// reads alive between the exported calls, because the Go heap does not
// move but frees what nothing references.
var reactorBuffers struct {
	request  []byte
	response []byte
}

// reactorAlloc returns the address of a new buffer of size bytes, which
// the host fills with the request before it calls updraft_handle.
//
//go:wasmexport updraft_alloc
func reactorAlloc(size uint32) uint32 {
	reactorBuffers.response = nil
	reactorBuffers.request = make([]byte, size)
	return uint32(uintptr(unsafe.Pointer(unsafe.SliceData(reactorBuffers.request))))
}

// reactorHandle serves the request in the buffer of the last
// updraft_alloc like Serve, and returns the envelope's address in the high
// 32 bits and its length in the low 32 bits. It zeroes the request, which
// may hold secrets, before it returns.
//
//go:wasmexport updraft_handle
func reactorHandle(ptr, size uint32) uint64 {
	req := reactorBuffers.request
	if uintptr(ptr) != uintptr(unsafe.Pointer(unsafe.SliceData(req))) || int(size) > len(req) {
		req = nil // not the buffer of updraft_alloc: answer invalid_request
	}

	var out bytes.Buffer
	serve(bytes.NewReader(req[:min(int(size), len(req))]), &out, lookupHandler)
	clear(reactorBuffers.request)
	reactorBuffers.request = nil

	reactorBuffers.response = out.Bytes()
	addr := uintptr(unsafe.Pointer(unsafe.SliceData(reactorBuffers.response)))
	return uint64(addr)<<32 | uint64(len(reactorBuffers.response))
}
