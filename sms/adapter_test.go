package sms_test

import (
	"github.com/rahataid/rahat/api"
	"github.com/rahataid/rahat/sms"
)

// The command API hands codes over as api.ClaimCode; the lead's adapter converts it with
// sms.ClaimCode(m). This fails to compile the day the two types drift apart.
var _ = sms.ClaimCode(api.ClaimCode{})
