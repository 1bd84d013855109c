package designer

import "slices"

// DecodeSettings decodes the settings of n into T, rejecting unknown keys
// and values of the wrong JSON type. Errors name the field, such as
// `settings.kind: expected a string, got a number`. Empty or null settings
// decode to the zero T.
func DecodeSettings[T any](n *Node) (T, error) {
	var settings T
	if len(n.Settings) == 0 {
		return settings, nil
	}
	if err := decodeStrict(n.Settings, &settings, "settings"); err != nil {
		return settings, err
	}
	return settings, nil
}

// Ports returns the ports a node of this type and settings may emit on.
// A node that can fail and has on_error "route" also emits on "error".
// An unknown type has no ports.
func Ports(n *Node) []string {
	nt, ok := nodeTypes[n.Type]
	if !ok {
		return nil
	}
	ports := nt.ports(n)
	if nt.canFail && n.OnError == OnErrorRoute && !slices.Contains(ports, PortError) {
		ports = append(ports, PortError)
	}
	return ports
}

// ContinuePort returns the port a failed step of n leaves through when its
// on_error is "continue": "false" for a condition, "default" for a switch
// and "success" for the other types that can fail. It returns "" for a
// type that cannot fail or rejects "continue", such as approval.
func ContinuePort(n *Node) string {
	nt, ok := nodeTypes[n.Type]
	if !ok || !nt.canFail {
		return ""
	}
	return nt.continuePort
}
