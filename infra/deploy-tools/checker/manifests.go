package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	strimzi "github.com/scholzj/strimzi-go/pkg/apis/kafka.strimzi.io/v1beta2"
	utilyaml "k8s.io/apimachinery/pkg/util/yaml"
	sigsjson "sigs.k8s.io/json"
	"sigs.k8s.io/yaml"
)

const strimziGroup = "kafka.strimzi.io"

type strimziChecked struct {
	APIVersion string `json:"apiVersion"`
	Kind       string `json:"kind"`
	Namespace  string `json:"namespace,omitempty"`
	Name       string `json:"name"`
}

type manifestsReport struct {
	// Every document of the stream, as JSON, so that callers can assert on the rendered
	// manifests without a YAML parser of their own.
	Documents []json.RawMessage `json:"documents"`
	// The kafka.strimzi.io resources that were decoded and checked.
	Strimzi []strimziChecked `json:"strimzi"`
	// The ConfigMap entries checked as XML ("namespace/name/key").
	XML []string `json:"xml"`
}

// checkManifests reads a multi-document YAML stream (the output of `kustomize build`):
//   - every kafka.strimzi.io resource is decoded strictly (unknown or misspelled fields, wrong
//     types and duplicate keys are errors; field names are case-sensitive) into the Strimzi
//     API types, then checked for the fields Strimzi's CRDs require and their enumerations;
//   - every ConfigMap entry whose key ends in .xml (ClickHouse configuration) must be
//     well-formed XML with a single root element.
func checkManifests(file string) (any, error) {
	f, err := os.Open(file)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	report := manifestsReport{Documents: []json.RawMessage{}, Strimzi: []strimziChecked{}, XML: []string{}}
	var problems []string
	reader := utilyaml.NewYAMLReader(bufio.NewReader(f))
	for index := 0; ; index++ {
		doc, err := reader.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("document %d: %w", index, err)
		}
		if len(bytes.TrimSpace(doc)) == 0 {
			continue
		}
		raw, err := yaml.YAMLToJSON(doc)
		if err != nil {
			return nil, fmt.Errorf("document %d: %w", index, err)
		}
		if string(raw) == "null" {
			continue
		}
		report.Documents = append(report.Documents, raw)
		var head struct {
			APIVersion string `json:"apiVersion"`
			Kind       string `json:"kind"`
			Metadata   struct {
				Name      string `json:"name"`
				Namespace string `json:"namespace"`
			} `json:"metadata"`
		}
		if err := json.Unmarshal(raw, &head); err != nil {
			return nil, fmt.Errorf("document %d: %w", index, err)
		}
		if head.APIVersion == "v1" && head.Kind == "ConfigMap" {
			checked, xmlProblems := checkConfigMapXML(raw)
			for _, key := range checked {
				report.XML = append(report.XML, head.Metadata.Namespace+"/"+head.Metadata.Name+"/"+key)
			}
			problems = append(problems, xmlProblems...)
			continue
		}
		if !strings.HasPrefix(head.APIVersion, strimziGroup+"/") {
			continue
		}
		where := fmt.Sprintf("%s %s/%s", head.Kind, head.Metadata.Namespace, head.Metadata.Name)
		for _, p := range checkStrimziResource(head.APIVersion, head.Kind, raw) {
			problems = append(problems, where+": "+p)
		}
		report.Strimzi = append(report.Strimzi, strimziChecked{head.APIVersion, head.Kind, head.Metadata.Namespace, head.Metadata.Name})
	}
	if len(problems) > 0 {
		return nil, errors.New(strings.Join(problems, "\n"))
	}
	return report, nil
}

func checkStrimziResource(apiVersion, kind string, raw []byte) []string {
	if apiVersion != strimziGroup+"/v1beta2" {
		return []string{fmt.Sprintf("apiVersion %s is not checked (only %s/v1beta2 is)", apiVersion, strimziGroup)}
	}
	switch kind {
	case "Kafka":
		var r strimzi.Kafka
		if p := decodeStrict(raw, &r); p != nil {
			return p
		}
		return checkKafka(&r)
	case "KafkaNodePool":
		var r strimzi.KafkaNodePool
		if p := decodeStrict(raw, &r); p != nil {
			return p
		}
		return checkNodePool(&r)
	case "KafkaTopic":
		var r strimzi.KafkaTopic
		if p := decodeStrict(raw, &r); p != nil {
			return p
		}
		return checkTopic(&r)
	case "KafkaUser":
		var r strimzi.KafkaUser
		return decodeStrict(raw, &r)
	default:
		return []string{fmt.Sprintf("kind %s is not checked by this tool", kind)}
	}
}

func decodeStrict(raw []byte, into any) []string {
	strict, err := sigsjson.UnmarshalStrict(raw, into)
	if err != nil {
		return []string{err.Error()}
	}
	var problems []string
	for _, e := range strict {
		problems = append(problems, e.Error())
	}
	return problems
}

func checkConfigMapXML(raw []byte) (checked []string, problems []string) {
	var cm struct {
		Metadata struct {
			Name string `json:"name"`
		} `json:"metadata"`
		Data map[string]string `json:"data"`
	}
	if err := json.Unmarshal(raw, &cm); err != nil {
		return nil, []string{err.Error()}
	}
	for key, value := range cm.Data {
		if !strings.HasSuffix(key, ".xml") {
			continue
		}
		checked = append(checked, key)
		if err := wellFormedXML(value); err != nil {
			problems = append(problems, fmt.Sprintf("ConfigMap %s, %s: %v", cm.Metadata.Name, key, err))
		}
	}
	return checked, problems
}

func wellFormedXML(text string) error {
	decoder := xml.NewDecoder(strings.NewReader(text))
	decoder.Strict = true
	depth, roots := 0, 0
	for {
		token, err := decoder.Token()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return err
		}
		switch token.(type) {
		case xml.StartElement:
			if depth == 0 {
				roots++
			}
			depth++
		case xml.EndElement:
			depth--
		}
	}
	if roots != 1 {
		return fmt.Errorf("expected one root element, found %d", roots)
	}
	return nil
}
