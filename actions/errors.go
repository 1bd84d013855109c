package actions

import "errors"

// ErrSchemaMismatch is returned, wrapped, when a document does not match a
// schema.
var ErrSchemaMismatch = errors.New("document does not match schema")

// ErrInvalidManifest is returned, wrapped, by Manifest.Validate.
var ErrInvalidManifest = errors.New("invalid manifest")

// ErrVersionExists is returned, wrapped, when a registry already holds the
// same name and version with a different module.
var ErrVersionExists = errors.New("action version already exists")
