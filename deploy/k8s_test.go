package deploy_test

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"gopkg.in/yaml.v3"

	"github.com/rahataid/rahat/config"
)

// The subset of Kubernetes objects the checks read. yaml.v3 needs every camelCase name spelt out.
type k8sObject struct {
	APIVersion string `yaml:"apiVersion"`
	Kind       string `yaml:"kind"`
	Metadata   struct {
		Name        string            `yaml:"name"`
		Namespace   string            `yaml:"namespace"`
		Labels      map[string]string `yaml:"labels"`
		Annotations map[string]string `yaml:"annotations"`
	} `yaml:"metadata"`
	Data       map[string]string `yaml:"data"`
	StringData map[string]string `yaml:"stringData"`
	Spec       yaml.Node         `yaml:"spec"`
}

type labelSelector struct {
	MatchLabels map[string]string `yaml:"matchLabels"`
}

type deploymentSpec struct {
	Replicas *int          `yaml:"replicas"`
	Selector labelSelector `yaml:"selector"`
	Strategy struct {
		Type          string `yaml:"type"`
		RollingUpdate struct {
			MaxUnavailable any `yaml:"maxUnavailable"`
		} `yaml:"rollingUpdate"`
	} `yaml:"strategy"`
	Template struct {
		Metadata struct {
			Labels map[string]string `yaml:"labels"`
		} `yaml:"metadata"`
		Spec podSpec `yaml:"spec"`
	} `yaml:"template"`
}

type podSpec struct {
	TerminationGracePeriodSeconds int `yaml:"terminationGracePeriodSeconds"`
	SecurityContext               struct {
		RunAsNonRoot *bool `yaml:"runAsNonRoot"`
		RunAsUser    int64 `yaml:"runAsUser"`
	} `yaml:"securityContext"`
	Containers []container `yaml:"containers"`
	Volumes    []struct {
		Name      string `yaml:"name"`
		ConfigMap *struct {
			Name string `yaml:"name"`
		} `yaml:"configMap"`
	} `yaml:"volumes"`
}

type container struct {
	Name  string   `yaml:"name"`
	Image string   `yaml:"image"`
	Args  []string `yaml:"args"`
	Ports []struct {
		Name          string `yaml:"name"`
		ContainerPort int    `yaml:"containerPort"`
	} `yaml:"ports"`
	Env            []envVar `yaml:"env"`
	LivenessProbe  *probe   `yaml:"livenessProbe"`
	ReadinessProbe *probe   `yaml:"readinessProbe"`
	StartupProbe   *probe   `yaml:"startupProbe"`
	VolumeMounts   []struct {
		Name      string `yaml:"name"`
		MountPath string `yaml:"mountPath"`
	} `yaml:"volumeMounts"`
	SecurityContext struct {
		ReadOnlyRootFilesystem   bool  `yaml:"readOnlyRootFilesystem"`
		AllowPrivilegeEscalation *bool `yaml:"allowPrivilegeEscalation"`
	} `yaml:"securityContext"`
	Resources struct {
		Requests map[string]string `yaml:"requests"`
		Limits   map[string]string `yaml:"limits"`
	} `yaml:"resources"`
}

type envVar struct {
	Name      string `yaml:"name"`
	Value     string `yaml:"value"`
	ValueFrom *struct {
		SecretKeyRef *struct {
			Name     string `yaml:"name"`
			Key      string `yaml:"key"`
			Optional bool   `yaml:"optional"`
		} `yaml:"secretKeyRef"`
	} `yaml:"valueFrom"`
}

type probe struct {
	HTTPGet *struct {
		Path string `yaml:"path"`
		Port string `yaml:"port"`
	} `yaml:"httpGet"`
}

// decodeDocs reads every YAML document of r.
func decodeDocs(t *testing.T, r io.Reader, what string) []k8sObject {
	t.Helper()
	var out []k8sObject
	dec := yaml.NewDecoder(r)
	for {
		var o k8sObject
		err := dec.Decode(&o)
		if errors.Is(err, io.EOF) {
			return out
		}
		if err != nil {
			t.Fatalf("%s: %v", what, err)
		}
		if o.Kind == "" || o.APIVersion == "" || o.Metadata.Name == "" {
			t.Fatalf("%s: an object without kind, apiVersion or name: %+v", what, o)
		}
		out = append(out, o)
	}
}

// loadKustomization reads a kustomization without kubectl: its resources (files and directories,
// recursively), its ConfigMap generators and its namespace. Patches and name hashes are not
// applied, so the checks below must hold for the files as written.
func loadKustomization(t *testing.T, dir string) []k8sObject {
	t.Helper()
	var k struct {
		Namespace          string   `yaml:"namespace"`
		Resources          []string `yaml:"resources"`
		ConfigMapGenerator []struct {
			Name     string   `yaml:"name"`
			Behavior string   `yaml:"behavior"`
			Files    []string `yaml:"files"`
		} `yaml:"configMapGenerator"`
	}
	b, err := os.ReadFile(filepath.Join(dir, "kustomization.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	if err := yaml.Unmarshal(b, &k); err != nil {
		t.Fatalf("%s/kustomization.yaml: %v", dir, err)
	}
	var objs []k8sObject
	for _, r := range k.Resources {
		p := filepath.Join(dir, r)
		st, err := os.Stat(p)
		if err != nil {
			t.Fatalf("%s: resource %s: %v", dir, r, err)
		}
		if st.IsDir() {
			objs = append(objs, loadKustomization(t, p)...)
			continue
		}
		f, err := os.Open(p)
		if err != nil {
			t.Fatal(err)
		}
		objs = append(objs, decodeDocs(t, f, p)...)
		f.Close()
	}
	for _, g := range k.ConfigMapGenerator {
		cm := k8sObject{APIVersion: "v1", Kind: "ConfigMap", Data: map[string]string{}}
		cm.Metadata.Name = g.Name
		for _, f := range g.Files {
			b, err := os.ReadFile(filepath.Join(dir, f))
			if err != nil {
				t.Fatalf("%s: configMapGenerator %s: %v", dir, g.Name, err)
			}
			cm.Data[filepath.Base(f)] = string(b)
		}
		i := slices.IndexFunc(objs, func(o k8sObject) bool { return o.Kind == "ConfigMap" && o.Metadata.Name == g.Name })
		switch {
		case g.Behavior == "replace" && i >= 0:
			objs[i] = cm
		case g.Behavior == "replace" || g.Behavior == "merge":
			t.Fatalf("%s: configMapGenerator %s %ss a ConfigMap the resources do not have", dir, g.Name, g.Behavior)
		default:
			objs = append(objs, cm)
		}
	}
	if k.Namespace != "" {
		for i := range objs {
			if objs[i].Kind != "Namespace" {
				objs[i].Metadata.Namespace = k.Namespace
			}
		}
	}
	return objs
}

// kubectlKustomize renders dir with kubectl, or returns nil when kubectl is not installed.
func kubectlKustomize(t *testing.T, dir string) []k8sObject {
	t.Helper()
	kubectl, err := exec.LookPath("kubectl")
	if err != nil {
		t.Logf("kubectl is not installed: %s checked file by file only", dir)
		return nil
	}
	var out, errOut bytes.Buffer
	cmd := exec.Command(kubectl, "kustomize", dir)
	cmd.Stdout, cmd.Stderr = &out, &errOut
	cmd.WaitDelay = 10 * time.Second
	if err := cmd.Run(); err != nil {
		t.Fatalf("kubectl kustomize %s: %v\n%s", dir, err, errOut.String())
	}
	return decodeDocs(t, &out, "kubectl kustomize "+dir)
}

func TestKubernetesBase(t *testing.T) {
	t.Parallel()
	dir := repoPath("deploy/k8s/base")
	checkK8s(t, loadKustomization(t, dir), false)
	if objs := kubectlKustomize(t, dir); objs != nil {
		checkK8s(t, objs, false)
	}
}

func TestKubernetesExample(t *testing.T) {
	t.Parallel()
	dir := repoPath("deploy/k8s/overlays/example")
	objs := loadKustomization(t, dir)
	checkK8s(t, objs, true)
	if !slices.ContainsFunc(objs, func(o k8sObject) bool {
		return o.Kind == "Cluster" && strings.HasPrefix(o.APIVersion, "postgresql.cnpg.io/") && o.Metadata.Name+"-app" == "rahat-db-app"
	}) {
		t.Error("the example's database is not the CloudNativePG cluster whose secret (rahat-db-app) the base reads")
	}
	rendered := kubectlKustomize(t, dir)
	if rendered == nil {
		return
	}
	checkK8s(t, rendered, true)
	// The patches applied: the read replica URL and the HPA ceiling.
	serve := deployment(t, rendered, "rahat-serve")
	if !slices.ContainsFunc(serve.Template.Spec.Containers[0].Env, func(e envVar) bool {
		return e.Name == "RAHAT_DATABASE_READ_URL" && strings.Contains(e.Value, "rahat-db-ro")
	}) {
		t.Error("rendered example: rahat-serve has no RAHAT_DATABASE_READ_URL on the replicas")
	}
	for _, o := range rendered {
		if o.Kind != "Namespace" && o.Metadata.Namespace != "rahat" {
			t.Errorf("rendered example: %s %s is not in namespace rahat", o.Kind, o.Metadata.Name)
		}
	}
}

func deployment(t *testing.T, objs []k8sObject, name string) deploymentSpec {
	t.Helper()
	var d deploymentSpec
	for _, o := range objs {
		if o.Kind == "Deployment" && o.Metadata.Name == name {
			if err := o.Spec.Decode(&d); err != nil {
				t.Fatalf("Deployment %s: %v", name, err)
			}
			return d
		}
	}
	t.Fatalf("no Deployment %s", name)
	return d
}

// checkK8s checks the objects of a kustomization, raw or rendered.
func checkK8s(t *testing.T, objs []k8sObject, deployable bool) {
	t.Helper()
	kinds := map[string]int{}
	for _, o := range objs {
		kinds[o.Kind]++
		if o.Kind == "Secret" && (len(o.Data) > 0 || len(o.StringData) > 0) {
			t.Errorf("Secret %s carries values: secrets are referenced, never committed", o.Metadata.Name)
		}
	}
	cfg := checkConfigMap(t, objs, deployable)

	index := deployment(t, objs, "rahat-index")
	serve := deployment(t, objs, "rahat-serve")
	if index.Replicas == nil || *index.Replicas != 2 {
		t.Errorf("rahat-index: replicas %s, want 2 (an active writer and a standby)", fmtInt(index.Replicas))
	}
	if fmt.Sprint(index.Strategy.RollingUpdate.MaxUnavailable) != "0" {
		t.Errorf("rahat-index: a rollout must not stop the standby before its replacement runs (maxUnavailable %v)", index.Strategy.RollingUpdate.MaxUnavailable)
	}
	checkPod(t, "rahat-index", index, "index", port(t, cfg.Index.MetricsAddr))
	checkPod(t, "rahat-serve", serve, "serve", port(t, cfg.Serve.Addr))
	if grace := serve.Template.Spec.TerminationGracePeriodSeconds; time.Duration(grace)*time.Second < cfg.Serve.ShutdownTimeout.D()+10*time.Second {
		t.Errorf("rahat-serve: terminationGracePeriodSeconds %d leaves no room for preStop and a %s drain", grace, cfg.Serve.ShutdownTimeout)
	}

	// The HPA scales rahat-serve and never below two; PDBs and Services select real pods.
	var hpas int
	for _, o := range objs {
		switch o.Kind {
		case "HorizontalPodAutoscaler":
			var s struct {
				ScaleTargetRef struct{ Kind, Name string } `yaml:"scaleTargetRef"`
				MinReplicas    int                         `yaml:"minReplicas"`
				MaxReplicas    int                         `yaml:"maxReplicas"`
			}
			if err := o.Spec.Decode(&s); err != nil {
				t.Fatal(err)
			}
			hpas++
			if s.ScaleTargetRef.Kind != "Deployment" || s.ScaleTargetRef.Name != "rahat-serve" || s.MinReplicas < 2 || s.MaxReplicas <= s.MinReplicas {
				t.Errorf("HPA %s: %+v", o.Metadata.Name, s)
			}
		case "PodDisruptionBudget", "Service":
			// A PDB's selector is a label selector, a Service's a plain map.
			var pdb struct {
				Selector labelSelector `yaml:"selector"`
			}
			var svc struct {
				Selector map[string]string `yaml:"selector"`
			}
			spec := any(&pdb)
			if o.Kind == "Service" {
				spec = &svc
			}
			if err := o.Spec.Decode(spec); err != nil {
				t.Fatalf("%s %s: %v", o.Kind, o.Metadata.Name, err)
			}
			sel := pdb.Selector.MatchLabels
			if o.Kind == "Service" {
				sel = svc.Selector
			}
			if !selects(sel, index) && !selects(sel, serve) {
				t.Errorf("%s %s selects no pods (%v)", o.Kind, o.Metadata.Name, sel)
			}
		}
	}
	if hpas != 1 || kinds["PodDisruptionBudget"] != 2 || kinds["Service"] < 2 {
		t.Errorf("want one HPA, a PDB for each Deployment and their Services; have %v", kinds)
	}
}

func fmtInt(p *int) string {
	if p == nil {
		return "unset"
	}
	return fmt.Sprint(*p)
}

func selects(sel map[string]string, d deploymentSpec) bool {
	if len(sel) == 0 {
		return false
	}
	for k, v := range sel {
		if d.Template.Metadata.Labels[k] != v {
			return false
		}
	}
	return true
}

// checkPod checks a Deployment's pod: the subcommand, probes on the port the config listens on,
// the image's unprivileged user, resources, and secrets taken by reference.
func checkPod(t *testing.T, name string, d deploymentSpec, sub, listen string) {
	t.Helper()
	if !selects(d.Selector.MatchLabels, d) {
		t.Errorf("%s: the selector %v does not match the pod labels", name, d.Selector.MatchLabels)
	}
	pod := d.Template.Spec
	if pod.SecurityContext.RunAsNonRoot == nil || !*pod.SecurityContext.RunAsNonRoot || pod.SecurityContext.RunAsUser != 10001 {
		t.Errorf("%s: the pod must run as non-root user 10001 (the image's)", name)
	}
	if len(pod.Containers) != 1 {
		t.Fatalf("%s: %d containers, want 1", name, len(pod.Containers))
	}
	c := pod.Containers[0]
	if !slices.Equal(c.Args, []string{sub}) {
		t.Errorf("%s: args %v, want [%s]", name, c.Args, sub)
	}
	ports := map[string]int{}
	for _, p := range c.Ports {
		ports[p.Name] = p.ContainerPort
	}
	for _, pr := range []struct {
		what string
		p    *probe
		path string
	}{{"startup", c.StartupProbe, "/healthz"}, {"liveness", c.LivenessProbe, "/healthz"}, {"readiness", c.ReadinessProbe, "/readyz"}} {
		switch {
		case pr.p == nil || pr.p.HTTPGet == nil:
			t.Errorf("%s: no %s probe", name, pr.what)
		case pr.p.HTTPGet.Path != pr.path:
			t.Errorf("%s: %s probe on %s, want %s", name, pr.what, pr.p.HTTPGet.Path, pr.path)
		case fmt.Sprint(ports[pr.p.HTTPGet.Port]) != listen && pr.p.HTTPGet.Port != listen:
			t.Errorf("%s: %s probe on port %s, but rahat.yaml listens on %s", name, pr.what, pr.p.HTTPGet.Port, listen)
		}
	}
	sc := c.SecurityContext
	if !sc.ReadOnlyRootFilesystem || sc.AllowPrivilegeEscalation == nil || *sc.AllowPrivilegeEscalation {
		t.Errorf("%s: want a read-only root filesystem and no privilege escalation", name)
	}
	if c.Resources.Requests["cpu"] == "" || c.Resources.Requests["memory"] == "" || c.Resources.Limits["memory"] == "" {
		t.Errorf("%s: set cpu and memory requests and a memory limit", name)
	}
	var dbURL bool
	for _, e := range c.Env {
		if e.Name == "RAHAT_DATABASE_URL" {
			dbURL = e.ValueFrom != nil && e.ValueFrom.SecretKeyRef != nil && !e.ValueFrom.SecretKeyRef.Optional
		}
		upper := strings.ToUpper(e.Name)
		if e.Value != "" && !strings.Contains(e.Value, "$(") &&
			(strings.Contains(upper, "PASSWORD") || strings.Contains(upper, "SECRET") || strings.Contains(upper, "TOKEN") || strings.HasSuffix(upper, "_KEY") || strings.Contains(upper, "DATABASE_URL")) {
			t.Errorf("%s: %s has a literal value; take it from a Secret", name, e.Name)
		}
	}
	if !dbURL {
		t.Errorf("%s: RAHAT_DATABASE_URL must come from a required secretKeyRef", name)
	}
	mounts := map[string]string{}
	for _, m := range c.VolumeMounts {
		mounts[m.Name] = m.MountPath
	}
	var config bool
	for _, v := range pod.Volumes {
		if v.ConfigMap != nil && strings.HasPrefix(v.ConfigMap.Name, "rahat-config") && mounts[v.Name] == "/etc/rahat" {
			config = true
		}
	}
	if !config {
		t.Errorf("%s: rahat-config is not mounted at /etc/rahat (the image's working directory)", name)
	}
}

// checkConfigMap finds rahat-config and loads its rahat.yaml as rahat would.
func checkConfigMap(t *testing.T, objs []k8sObject, deployable bool) config.Config {
	t.Helper()
	for _, o := range objs {
		if o.Kind != "ConfigMap" || !strings.HasPrefix(o.Metadata.Name, "rahat-config") {
			continue
		}
		text, ok := o.Data["rahat.yaml"]
		if !ok {
			t.Fatalf("ConfigMap %s has no rahat.yaml", o.Metadata.Name)
		}
		path := filepath.Join(t.TempDir(), "rahat.yaml")
		if err := os.WriteFile(path, []byte(text), 0o600); err != nil {
			t.Fatal(err)
		}
		cfg := loadConfig(t, path, "RAHAT_DATABASE_URL=postgres://rahat:placeholder@rahat-db-rw:5432/rahat")
		if deployable && (len(cfg.Networks) == 0 || len(cfg.Sources) == 0) {
			t.Errorf("ConfigMap %s: rahat index needs networks and sources", o.Metadata.Name)
		}
		if cfg.Log.Format != "json" {
			t.Errorf("ConfigMap %s: log.format %s; use json where logs are collected", o.Metadata.Name, cfg.Log.Format)
		}
		return cfg
	}
	t.Fatal("no ConfigMap rahat-config")
	return config.Config{}
}
