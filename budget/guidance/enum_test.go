package guidance

import "testing"

func TestEnumStrings(t *testing.T) {
	for _, c := range []struct{ got, want string }{
		{OnNewline.String(), "on-newline"}, {EveryToken.String(), "every-token"}, {Schedule(5).String(), "Schedule(5)"},
		{BanUnscored.String(), "ban"}, {PassUnscored.String(), "pass"}, {Unscored(-2).String(), "Unscored(-2)"},
		{Log64.String(), "log64"}, {Float32.String(), "float32"}, {Precision(3).String(), "Precision(3)"},
		{LengthFitMLE.String(), "mle"}, {LengthFitMoments.String(), "moments"}, {LengthFitMethod(4).String(), "LengthFitMethod(4)"},
	} {
		if c.got != c.want {
			t.Errorf("String() = %q, want %q", c.got, c.want)
		}
	}
}
