package main

import "flag"

// parseInterspersed parses args with fs, taking flags before, between and
// after the positional arguments (`clients add gw --scope x --data-dir d`
// and `clients add --data-dir d --scope x gw` are the same), which the
// flag package alone stops at the first argument. After "--" everything is
// an argument. fs.Args() returns the arguments, in order, as after Parse.
func parseInterspersed(fs *flag.FlagSet, args []string) error {
	var pos []string
	for {
		if err := fs.Parse(args); err != nil {
			return err
		}
		rest := fs.Args()
		if len(rest) == 0 {
			break
		}
		if len(rest) < len(args) && args[len(args)-len(rest)-1] == "--" {
			pos = append(pos, rest...) // the flag package stopped at "--"
			break
		}
		pos, args = append(pos, rest[0]), rest[1:]
	}
	return fs.Parse(append([]string{"--"}, pos...))
}
