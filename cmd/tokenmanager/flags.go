package main

import "flag"

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
