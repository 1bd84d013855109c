package main

// registerVendor registers the actions that call a vendor's API.
func registerVendor() {}
