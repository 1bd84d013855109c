package server

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"

	"github.com/updraftsoar/updraft/designer"
	"github.com/updraftsoar/updraft/runtime"
)

// validationCatalog is the catalog one playbook save validates against:
// the registered actions, and the stored playbooks that subplaybook nodes
// name, read from the store during the request.
type validationCatalog struct {
	Catalog
	ctx   context.Context
	store Store
	err   error // first store failure other than ErrNotFound
}

var (
	_ designer.PlaybookCatalog = (*validationCatalog)(nil)
	_ designer.SecretCatalog   = (*validationCatalog)(nil)
)

// LookupPlaybook returns the inputs schema of the playbook id at version,
// 0 meaning the latest. A store failure reports ok false and is kept in
// err, so that the save fails with 500 rather than with a problem.
func (c *validationCatalog) LookupPlaybook(id string, version int) (json.RawMessage, bool) {
	var (
		p   *designer.Playbook
		err error
	)
	if version == 0 {
		p, err = c.store.GetPlaybook(c.ctx, id)
	} else {
		p, err = c.store.GetPlaybookVersion(c.ctx, id, version)
	}
	if err != nil {
		if !errors.Is(err, runtime.ErrNotFound) && c.err == nil {
			c.err = err
		}
		return nil, false
	}
	inputs := bytes.TrimSpace(p.Inputs)
	if len(inputs) == 0 || bytes.Equal(inputs, []byte("null")) {
		return nil, true
	}
	return inputs, true
}

// ActionSecrets forwards to the action catalog when it declares secrets.
func (c *validationCatalog) ActionSecrets(ref string) ([]string, bool) {
	secrets, ok := c.Catalog.(designer.SecretCatalog)
	if !ok {
		return nil, false
	}
	return secrets.ActionSecrets(ref)
}
