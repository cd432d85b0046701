package main

import (
	"context"
	"encoding/json"
	"path/filepath"

	"github.com/compose-spec/compose-go/v2/cli"
)

// checkCompose loads a Compose file the way `docker compose config` does: schema validation,
// variable interpolation from the environment (and a .env file beside it), normalization and
// the consistency checks (unknown services in depends_on, undefined volumes, secrets, networks).
func checkCompose(file string) (any, error) {
	abs, err := filepath.Abs(file)
	if err != nil {
		return nil, err
	}
	options, err := cli.NewProjectOptions([]string{abs},
		cli.WithWorkingDirectory(filepath.Dir(abs)),
		cli.WithOsEnv,
		cli.WithDotEnv,
		cli.WithInterpolation(true),
		cli.WithResolvedPaths(true),
		cli.WithNormalization(true),
		cli.WithConsistency(true),
	)
	if err != nil {
		return nil, err
	}
	project, err := options.LoadProject(context.Background())
	if err != nil {
		return nil, err
	}
	raw, err := project.MarshalJSON()
	if err != nil {
		return nil, err
	}
	return json.RawMessage(raw), nil
}
