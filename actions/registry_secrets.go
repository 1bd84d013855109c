package actions

import "slices"

// ActionSecrets returns the secret names that the manifest of ref
// ("name@version") declares in capabilities.secrets. It implements
// designer.SecretCatalog.
func (r *Registry) ActionSecrets(ref string) ([]string, bool) {
	e, ok := r.entry(ref)
	if !ok {
		return nil, false
	}
	return slices.Clone(e.action.Manifest.Capabilities.Secrets), true
}
