//go:build !race

package main

// raceDetector is true under -race: the race tests then run fewer trials.
const raceDetector = false
