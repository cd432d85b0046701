// Command xp-deploy-check validates xp's deployment files offline, with the same parsers
// the real tools use:
//
//	xp-deploy-check compose FILE     load a Compose file as `docker compose config` does
//	                                 (compose-go: schema, interpolation, consistency) and
//	                                 print the normalized project as JSON
//	xp-deploy-check manifests FILE   decode every kafka.strimzi.io resource of a
//	                                 `kustomize build` stream strictly into the Strimzi API
//	                                 types and check required fields, check ClickHouse XML
//	                                 in ConfigMaps, and print every document as JSON
//	xp-deploy-check dockerfile FILE  parse a Dockerfile with BuildKit's parser, instruction
//	                                 parser and linter (lint warnings are errors) and print
//	                                 its stages as JSON
//
// Exit status: 0 valid, 1 invalid, 2 usage error.
package main

import (
	"encoding/json"
	"fmt"
	"os"
)

func main() {
	if len(os.Args) != 3 {
		usage()
	}
	var (
		out any
		err error
	)
	switch os.Args[1] {
	case "compose":
		out, err = checkCompose(os.Args[2])
	case "manifests":
		out, err = checkManifests(os.Args[2])
	case "dockerfile":
		out, err = checkDockerfile(os.Args[2])
	default:
		usage()
	}
	if err != nil {
		fmt.Fprintf(os.Stderr, "xp-deploy-check %s: %v\n", os.Args[1], err)
		os.Exit(1)
	}
	enc := json.NewEncoder(os.Stdout)
	enc.SetIndent("", "  ")
	if err := enc.Encode(out); err != nil {
		fmt.Fprintf(os.Stderr, "xp-deploy-check: writing output: %v\n", err)
		os.Exit(1)
	}
}

func usage() {
	fmt.Fprintln(os.Stderr, "usage: xp-deploy-check compose|manifests|dockerfile FILE")
	os.Exit(2)
}
