package main

import (
	"fmt"

	strimzi "github.com/scholzj/strimzi-go/pkg/apis/kafka.strimzi.io/v1beta2"
)

// The rules below restate what Strimzi's CRD schemas require (required fields, enumerations,
// minimums) for the kinds xp deploys, since the Go types cannot express them.

var listenerTypes = map[string]bool{"internal": true, "route": true, "loadbalancer": true, "nodeport": true, "ingress": true, "cluster-ip": true}
var storageTypes = map[string]bool{"ephemeral": true, "persistent-claim": true, "jbod": true}
var volumeTypes = map[string]bool{"ephemeral": true, "persistent-claim": true}
var processRoles = map[string]bool{"controller": true, "broker": true}

func checkKafka(k *strimzi.Kafka) []string {
	var p []string
	if k.Spec == nil || k.Spec.Kafka == nil {
		return []string{"spec.kafka is required"}
	}
	if k.Spec.Zookeeper != nil {
		p = append(p, "spec.zookeeper is not supported by Strimzi 0.46 and later (KRaft only)")
	}
	if len(k.Spec.Kafka.Listeners) == 0 {
		p = append(p, "spec.kafka.listeners is required")
	}
	names := map[string]bool{}
	for i, l := range k.Spec.Kafka.Listeners {
		at := fmt.Sprintf("spec.kafka.listeners[%d]", i)
		if l.Name == "" || names[l.Name] {
			p = append(p, at+".name is required and must be unique")
		}
		names[l.Name] = true
		if l.Port < 9092 {
			p = append(p, at+".port must be at least 9092")
		}
		if !listenerTypes[string(l.Type)] {
			p = append(p, fmt.Sprintf("%s.type %q is not one of internal, route, loadbalancer, nodeport, ingress, cluster-ip", at, l.Type))
		}
	}
	// With node pools, replicas and storage belong to the KafkaNodePool resources.
	if k.Spec.Kafka.Replicas != 0 || k.Spec.Kafka.Storage != nil {
		p = append(p, "spec.kafka.replicas and spec.kafka.storage are ignored with node pools: set them on the KafkaNodePool")
	}
	return p
}

func checkNodePool(n *strimzi.KafkaNodePool) []string {
	var p []string
	if n.Labels["strimzi.io/cluster"] == "" {
		p = append(p, "metadata.labels[strimzi.io/cluster] is required")
	}
	if n.Spec == nil {
		return append(p, "spec is required")
	}
	if n.Spec.Replicas < 0 {
		p = append(p, "spec.replicas must be at least 0")
	}
	if len(n.Spec.Roles) == 0 {
		p = append(p, "spec.roles is required")
	}
	for _, r := range n.Spec.Roles {
		if !processRoles[string(r)] {
			p = append(p, fmt.Sprintf("spec.roles: %q is not controller or broker", r))
		}
	}
	if n.Spec.Storage == nil {
		return append(p, "spec.storage is required")
	}
	return append(p, checkStorage("spec.storage", n.Spec.Storage)...)
}

func checkStorage(at string, s *strimzi.Storage) []string {
	var p []string
	if !storageTypes[string(s.Type)] {
		return []string{fmt.Sprintf("%s.type %q is not one of ephemeral, persistent-claim, jbod", at, s.Type)}
	}
	switch s.Type {
	case "jbod":
		if len(s.Volumes) == 0 {
			p = append(p, at+".volumes is required for jbod storage")
		}
		ids := map[int32]bool{}
		for i, v := range s.Volumes {
			vat := fmt.Sprintf("%s.volumes[%d]", at, i)
			if !volumeTypes[string(v.Type)] {
				p = append(p, fmt.Sprintf("%s.type %q is not ephemeral or persistent-claim", vat, v.Type))
			}
			if v.Type == "persistent-claim" && v.Size == "" {
				p = append(p, vat+".size is required for persistent-claim volumes")
			}
			if ids[v.Id] {
				p = append(p, fmt.Sprintf("%s.id %d is used twice", vat, v.Id))
			}
			ids[v.Id] = true
		}
	case "persistent-claim":
		if s.Size == "" {
			p = append(p, at+".size is required for persistent-claim storage")
		}
	}
	return p
}

func checkTopic(t *strimzi.KafkaTopic) []string {
	var p []string
	if t.Labels["strimzi.io/cluster"] == "" {
		p = append(p, "metadata.labels[strimzi.io/cluster] is required")
	}
	if t.Spec == nil {
		return append(p, "spec is required")
	}
	if t.Spec.Partitions < 1 {
		p = append(p, "spec.partitions must be at least 1")
	}
	if t.Spec.Replicas < 1 || t.Spec.Replicas > 32767 {
		p = append(p, "spec.replicas must be between 1 and 32767")
	}
	return p
}
