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
// follows is positional, even if it starts with a dash. Afterwards
// fs.Args() holds every positional argument, in order.
func parseInterleaved(fs *flag.FlagSet, args []string) error {
	var positional []string
	for {
		if err := fs.Parse(args); err != nil {
			return err
		}
		rest := fs.Args()
		if len(rest) == 0 {
			break
		}
		if ended := len(args) - len(rest); ended > 0 && args[ended-1] == "--" {
			positional = append(positional, rest...)
			break
		}
		positional, args = append(positional, rest[0]), rest[1:]
	}
	return fs.Parse(append([]string{"--"}, positional...))
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
