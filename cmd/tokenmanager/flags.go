package main

import (
	"flag"
	"slices"
	"strings"
)

// parseInterleaved parses args with fs, taking flags before, between and
// after the positional arguments, so that `cancel-user alice --data-dir d`
// and `cancel-user --data-dir d alice` are the same command (the standard
// flag package stops at the first argument). A "--" ends the flags: what
// follows is positional, even if it starts with a dash. An argument that
// starts with a dash but cannot be a flag name (a session id or kid is
// base64url, and one in 64 starts with "-") is positional too; a
// misspelt flag (--data-dri) is still an error. Afterwards fs.Args()
// holds every positional argument, in order.
func parseInterleaved(fs *flag.FlagSet, args []string) error {
	var flags, positional []string
	for i := 0; i < len(args); i++ {
		a := args[i]
		if a == "--" {
			positional = append(positional, args[i+1:]...)
			break
		}
		name, _, hasValue := strings.Cut(strings.TrimLeft(a, "-"), "=")
		if a == "-" || !strings.HasPrefix(a, "-") || fs.Lookup(name) == nil && !looksLikeFlag(name) {
			positional = append(positional, a)
			continue
		}
		flags = append(flags, a)
		if f := fs.Lookup(name); f != nil && !hasValue && !isBoolFlag(f) && i+1 < len(args) {
			flags, i = append(flags, args[i+1]), i+1 // the flag's value, whatever it looks like
		}
	}
	return fs.Parse(slices.Concat(flags, []string{"--"}, positional))
}

// looksLikeFlag reports whether name could be a flag's name: lower-case
// words joined by dashes, as every flag of ours is.
func looksLikeFlag(name string) bool {
	if name == "" || name[0] < 'a' || name[0] > 'z' {
		return false
	}
	for _, c := range name {
		if (c < 'a' || c > 'z') && (c < '0' || c > '9') && c != '-' {
			return false
		}
	}
	return true
}

// takeSubcommand removes from args the first argument that is neither a
// flag of the serve flag set nor a flag's value, and returns it: the
// subcommand of a command such as keys, so that `keys --data-dir d list`
// is `keys list --data-dir d`. It stops at "--".
func takeSubcommand(args []string) ([]string, string) {
	fs := (&Config{}).flagSet("sub")
	for i := 0; i < len(args); i++ {
		a := args[i]
		if a == "--" {
			break
		}
		if a == "-" || !strings.HasPrefix(a, "-") {
			return slices.Concat(args[:i], args[i+1:]), a
		}
		name, _, hasValue := strings.Cut(strings.TrimLeft(a, "-"), "=")
		if f := fs.Lookup(name); f != nil && !hasValue && !isBoolFlag(f) {
			i++ // the flag's value
		}
	}
	return args, ""
}

func isBoolFlag(f *flag.Flag) bool {
	b, ok := f.Value.(interface{ IsBoolFlag() bool })
	return ok && b.IsBoolFlag()
}
