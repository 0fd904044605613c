package api

import (
	"context"
	_ "embed"
	"net/http"

	"github.com/rahataid/rahat/api/auth"
)

//go:embed openapi.json
var openAPIDoc []byte

// routeTable lists every endpoint. openapi_test.go checks it against openapi.json both ways:
// paths, methods, security, request bodies and their required fields.
func (s *Server) routeTable() []route {
	staff := []auth.Role{auth.RoleAdmin, auth.RoleOperator}
	vendor := []auth.Role{auth.RoleVendor}
	batch := s.cfg.BatchBodyLimit
	return []route{
		{op: "getOpenAPI", method: http.MethodGet, path: "/v1/openapi.json", handle: s.openAPI},

		{op: "registerBeneficiary", method: http.MethodPost, path: "/v1/beneficiaries", roles: staff, write: true,
			body: registerBeneficiaryRequest{}, handle: s.registerBeneficiary},
		{op: "listBeneficiaries", method: http.MethodGet, path: "/v1/beneficiaries", roles: staff, handle: s.listBeneficiaries},
		{op: "getBeneficiary", method: http.MethodGet, path: "/v1/beneficiaries/{id}", roles: staff, handle: s.getBeneficiary},

		{op: "registerVendor", method: http.MethodPost, path: "/v1/vendors", roles: staff, write: true, idempotent: true,
			body: registerVendorRequest{}, handle: s.registerVendor},
		{op: "listVendors", method: http.MethodGet, path: "/v1/vendors", roles: staff, handle: s.listVendors},
		{op: "getVendor", method: http.MethodGet, path: "/v1/vendors/{id}", roles: staff, handle: s.getVendor},

		{op: "createDistribution", method: http.MethodPost, path: "/v1/distributions", roles: staff, write: true, idempotent: true,
			bodyLimit: batch, body: distributionRequest{}, handle: s.createDistribution},
		{op: "listDistributions", method: http.MethodGet, path: "/v1/distributions", roles: staff, handle: s.listDistributions},
		{op: "getDistribution", method: http.MethodGet, path: "/v1/distributions/{id}", roles: staff, handle: s.getDistribution},
		{op: "getTransaction", method: http.MethodGet, path: "/v1/transactions/{id}", roles: staff, handle: s.getTransaction},

		{op: "createClaim", method: http.MethodPost, path: "/v1/vendor/claims", roles: vendor, write: true, idempotent: true,
			body: claimRequest{}, handle: s.createClaim},
		{op: "listClaims", method: http.MethodGet, path: "/v1/vendor/claims", roles: vendor, handle: s.listClaims},
		{op: "getClaim", method: http.MethodGet, path: "/v1/vendor/claims/{id}", roles: vendor, handle: s.getClaim},
		{op: "submitClaimCode", method: http.MethodPost, path: "/v1/vendor/claims/{id}/code", roles: vendor, write: true,
			idempotent: true, body: codeRequest{}, handle: s.submitCode},
		{op: "resendClaimCode", method: http.MethodPost, path: "/v1/vendor/claims/{id}/resend", roles: vendor, write: true,
			idempotent: true, handle: s.resendCode},
		{op: "createSettlement", method: http.MethodPost, path: "/v1/vendor/settlements", roles: vendor, write: true,
			idempotent: true, body: settlementRequest{}, handle: s.createSettlement},
		{op: "listSettlements", method: http.MethodGet, path: "/v1/vendor/settlements", roles: vendor, handle: s.listSettlements},
		{op: "getSettlement", method: http.MethodGet, path: "/v1/vendor/settlements/{id}", roles: vendor, handle: s.getSettlement},
		{op: "getVendorTotals", method: http.MethodGet, path: "/v1/vendor/totals", roles: vendor, handle: s.vendorTotals},
	}
}

// openAPI serves the embedded document as is.
func (s *Server) openAPI(context.Context, *request) (int, any, error) {
	return http.StatusOK, rawJSON(openAPIDoc), nil
}

// rawJSON marshals to itself.
type rawJSON []byte

func (r rawJSON) MarshalJSON() ([]byte, error) { return r, nil }
