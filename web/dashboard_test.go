package web

import (
	"os"
	"regexp"
	"slices"
	"strings"
	"testing"
)

func readCatalog(t *testing.T, path string) map[string]string {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return mustFlatten(data)
}

var placeholder = regexp.MustCompile(`\{\{\w+\}\}`)

func TestCatalogs_JapaneseMatchesEnglish(t *testing.T) {
	en := readCatalog(t, "i18n/en.json")
	ja := readCatalog(t, "i18n/ja.json")

	for key, msg := range ja {
		english, ok := en[key]
		if !ok {
			t.Errorf("ja.json has %s, which en.json lacks", key)
			continue
		}
		got, want := placeholder.FindAllString(msg, -1), placeholder.FindAllString(english, -1)
		slices.Sort(got)
		slices.Sort(want)
		if !slices.Equal(got, want) {
			t.Errorf("%s: ja placeholders %v, en placeholders %v", key, got, want)
		}
	}
	for key := range en {
		if strings.HasPrefix(key, "dashboard.") || key == "nav.dashboard" || strings.HasPrefix(key, "status.") {
			if ja[key] == "" {
				t.Errorf("ja.json lacks %s", key)
			}
		}
	}
}

func TestFormatMS_Units(t *testing.T) {
	tests := []struct {
		ms   int64
		want string
	}{
		{0, "0 ms"},
		{999, "999 ms"},
		{1000, "1 s"},
		{12_340, "12.3 s"},
		{90_000, "1.5 min"},
		{7_200_000, "2 h"},
	}
	for _, tt := range tests {
		t.Run(tt.want, func(t *testing.T) {
			if got := formatMS(&tt.ms); got != tt.want {
				t.Errorf("formatMS(%d) = %q, want %q", tt.ms, got, tt.want)
			}
		})
	}
	if got := formatMS(nil); got != "n/a" {
		t.Errorf("formatMS(nil) = %q, want n/a", got)
	}
}

func TestTimeChart_GapBreaksLine(t *testing.T) {
	ms := func(v int64) *int64 { return &v }
	days := []DashboardDayView{
		{Date: "2026-03-01", MedianTimeToRespondMS: ms(100)},
		{Date: "2026-03-02", MedianTimeToRespondMS: ms(400)},
		{Date: "2026-03-03"},
		{Date: "2026-03-04", MedianTimeToRespondMS: ms(200)},
		{Date: "2026-03-05", MedianTimeToRespondMS: ms(300)},
		{Date: "2026-03-06", MedianTimeToRespondMS: ms(50)},
	}
	chart := newTimeChart(days)

	if len(chart.Points) != 5 {
		t.Errorf("points = %d, want 5", len(chart.Points))
	}
	if len(chart.Lines) != 2 {
		t.Fatalf("lines = %q, want 2", chart.Lines)
	}
	if n := len(strings.Fields(chart.Lines[1])); n != 3 {
		t.Errorf("second line has %d points, want 3", n)
	}
	if chart.YMaxLabel != "400 ms" {
		t.Errorf("y-axis top = %q, want 400 ms", chart.YMaxLabel)
	}
	// The highest value touches the top of the plot.
	if chart.Points[1].Y != axisTop {
		t.Errorf("y of the highest point = %s, want %s", chart.Points[1].Y, axisTop)
	}
}

func TestRunChart_BarPerDay(t *testing.T) {
	days := []DashboardDayView{
		{Date: "2026-03-01", Runs: 4, Automated: 1},
		{Date: "2026-03-02"},
		{Date: "2026-03-03", Runs: 2, Automated: 2},
	}
	chart := newRunChart(days)

	if len(chart.Bars) != 3 {
		t.Fatalf("bars = %d, want 3", len(chart.Bars))
	}
	if chart.Bars[0].Y != axisTop || chart.Bars[1].H != "0.0" {
		t.Errorf("bar of 4 runs starts at y %s, want %s; bar of 0 runs is %s high, want 0.0",
			chart.Bars[0].Y, axisTop, chart.Bars[1].H)
	}
	if chart.Bars[2].AH != chart.Bars[2].H {
		t.Errorf("automated bar of a fully automated day is %s high, want %s", chart.Bars[2].AH,
			chart.Bars[2].H)
	}
	if chart.YMaxLabel != "4" {
		t.Errorf("y-axis top = %q, want 4", chart.YMaxLabel)
	}
	labels := []string{}
	for _, l := range chart.XLabels {
		labels = append(labels, l.Text)
	}
	if want := []string{"2026-03-01", "2026-03-02", "2026-03-03"}; !slices.Equal(labels, want) {
		t.Errorf("x labels = %v, want %v", labels, want)
	}
}
