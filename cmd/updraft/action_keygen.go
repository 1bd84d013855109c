package main

import (
	"crypto/ed25519"
	"encoding/base64"
	"flag"
	"fmt"
	"io"
	"os"

	"github.com/updraftsoar/updraft/actions"
)

func keygenCommand(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("updraft action keygen", flag.ContinueOnError)
	fs.SetOutput(stderr)
	prefix := fs.String("out", "updraft-action", "path `prefix` of the key files PREFIX.key and PREFIX.pub")
	if err := fs.Parse(args); err != nil {
		return flagStatus(err)
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(stderr, "updraft action keygen: unexpected argument %q\n", fs.Arg(0))
		return 2
	}
	pub, err := writeKeyPair(*prefix)
	if err != nil {
		return exitStatus(stderr, "updraft action keygen", err)
	}
	fmt.Fprintf(stdout, "wrote %s.key (private, mode 0600) and %s.pub\n", *prefix, *prefix)
	fmt.Fprintf(stdout, "add this line to the server's --trusted-keys file:\n%s\n", pub)
	return 0
}

// writeKeyPair generates an ed25519 key pair and writes the base64 private
// key to prefix.key with mode 0600 and the base64 public key to
// prefix.pub. It returns the public key and never overwrites a file.
func writeKeyPair(prefix string) (string, error) {
	pub, priv, err := ed25519.GenerateKey(nil)
	if err != nil {
		return "", fmt.Errorf("generate key: %w", err)
	}
	pubText := base64.StdEncoding.EncodeToString(pub)
	if err := writeNewFile(prefix+".key", base64.StdEncoding.EncodeToString(priv)+"\n", 0o600); err != nil {
		return "", err
	}
	if err := writeNewFile(prefix+".pub", pubText+"\n", 0o644); err != nil {
		return "", err
	}
	return pubText, nil
}

// writeNewFile creates path with mode and writes text, failing when path
// exists.
func writeNewFile(path, text string, mode os.FileMode) error {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, mode)
	if err != nil {
		return err
	}
	if _, err := f.WriteString(text); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

func readPrivateKey(path string) (ed25519.PrivateKey, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("--key: %w", err)
	}
	key, err := actions.ParsePrivateKey(string(data))
	if err != nil {
		return nil, fmt.Errorf("--key %s: %w", path, err)
	}
	return key, nil
}
