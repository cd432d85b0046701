package main

import (
	"errors"
	"fmt"
	"os"
	"strings"

	"github.com/moby/buildkit/frontend/dockerfile/instructions"
	"github.com/moby/buildkit/frontend/dockerfile/linter"
	"github.com/moby/buildkit/frontend/dockerfile/parser"
)

type dockerStage struct {
	Name     string   `json:"name"`
	Base     string   `json:"base"`
	Commands []string `json:"commands"`
}

type dockerfileReport struct {
	MetaArgs []string      `json:"metaArgs"`
	Stages   []dockerStage `json:"stages"`
}

// checkDockerfile runs BuildKit's Dockerfile parser, its instruction parser (flags and
// arguments of every instruction) and the lint rules that run at parse time. A parse warning
// or a lint warning fails the check, as `docker build --check` would report it.
func checkDockerfile(file string) (any, error) {
	f, err := os.Open(file)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	result, err := parser.Parse(f)
	if err != nil {
		return nil, err
	}
	var problems []string
	for _, w := range result.Warnings {
		problems = append(problems, fmt.Sprintf("line %d: %s", w.Location.Start.Line, w.Short))
	}
	lint := linter.New(&linter.Config{
		ExperimentalAll: true,
		Warn: func(rule, _, _, msg string, loc []parser.Range) {
			line := 0
			if len(loc) > 0 {
				line = loc[0].Start.Line
			}
			problems = append(problems, fmt.Sprintf("line %d: %s: %s", line, rule, msg))
		},
	})
	stages, metaArgs, err := instructions.Parse(result.AST, lint)
	if err != nil {
		return nil, err
	}
	if len(problems) > 0 {
		return nil, errors.New(strings.Join(problems, "; "))
	}
	report := dockerfileReport{MetaArgs: []string{}, Stages: []dockerStage{}}
	for _, a := range metaArgs {
		report.MetaArgs = append(report.MetaArgs, a.String())
	}
	for _, s := range stages {
		st := dockerStage{Name: s.Name, Base: s.BaseName, Commands: []string{}}
		for _, c := range s.Commands {
			st.Commands = append(st.Commands, fmt.Sprint(c))
		}
		report.Stages = append(report.Stages, st)
	}
	return report, nil
}
