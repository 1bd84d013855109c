package runtime_test

import (
	"context"
	"encoding/json"
	"fmt"
	"testing"
	"time"

	"github.com/updraftsoar/updraft/designer"
	"github.com/updraftsoar/updraft/runtime"
)

// BenchmarkEngine_TransformChain runs a trigger followed by a chain of 50
// or 200 transform steps on the embedded database, one run at a time, and
// reports the wall time per step as us/step. Transform steps do no I/O
// of their own, so the figure is the engine's overhead per step, store
// writes and the run's own writes included. The difference between the
// two lengths is the cost of the steps alone.
func BenchmarkEngine_TransformChain(b *testing.B) {
	for _, n := range []int{50, 200} {
		b.Run(fmt.Sprintf("steps=%d", n), func(b *testing.B) { benchTransformChain(b, n) })
	}
}

func benchTransformChain(b *testing.B, benchChainLength int) {
	nodes := []designer.Node{benchNode(b, "start", designer.NodeTrigger,
		designer.TriggerSettings{Kind: designer.TriggerWebhook})}
	var edges []designer.Edge
	prev := "start"
	for i := range benchChainLength {
		id := fmt.Sprintf("t%02d", i)
		nodes = append(nodes, benchNode(b, id, designer.NodeTransform, designer.TransformSettings{
			Values: map[string]any{"n": i, "prev": "${{ trigger.alert }}"}}))
		edges = append(edges, edge(prev, designer.PortSuccess, id))
		prev = id
	}
	pb := &designer.Playbook{ID: fmt.Sprintf("bench-transform-chain-%d", benchChainLength),
		Version: 1, Name: "bench",
		Nodes: nodes, Edges: edges, CreatedAt: time.Now().UTC()}
	e := runtime.New(runtime.Config{Store: testStore})
	b.Cleanup(func() {
		if err := e.Shutdown(context.Background()); err != nil {
			b.Errorf("shutdown: %v", err)
		}
	})

	b.ResetTimer()
	for b.Loop() {
		run, err := e.Start(b.Context(), runtime.StartRequest{Playbook: pb, TriggerNode: "start",
			Trigger: []byte(`{"alert":"bench"}`)})
		if err != nil {
			b.Fatalf("start: %v", err)
		}
		<-e.Wait(run.ID)
	}
	b.ReportMetric(float64(b.Elapsed().Microseconds())/float64(b.N*(benchChainLength+1)),
		"us/step")
}

func benchNode(b *testing.B, id, typ string, settings any) designer.Node {
	b.Helper()
	raw, err := json.Marshal(settings)
	if err != nil {
		b.Fatalf("node %q: marshal settings: %v", id, err)
	}
	return designer.Node{ID: id, Type: typ, Settings: raw}
}
