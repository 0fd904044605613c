package graphql

import (
	"context"

	"github.com/rahataid/rahat/graphql/exec"
	"github.com/rahataid/rahat/graphql/model"
	"github.com/rahataid/rahat/graphql/query"
)

// The beneficiary and vendor views answer, in one query, what a dashboard shows about one
// address: its records in every project, balances, totals, and its claims. Each field is a list
// query of the engine with the address as a filter, so relations below them batch as usual.

// BeneficiaryView starts a beneficiary view; its fields load on demand.
func (r *queryResolver) BeneficiaryView(_ context.Context, address model.Bytes, block *model.BlockHeight, _ string) (*model.BeneficiaryView, error) {
	return &model.BeneficiaryView{Address: address, Block: block}, nil
}

// VendorView starts a vendor view; its fields load on demand.
func (r *queryResolver) VendorView(_ context.Context, address model.Bytes, block *model.BlockHeight, _ string) (*model.VendorView, error) {
	return &model.VendorView{Address: address, Block: block}, nil
}

// scoped adds the view's own condition to a client's where.
func scoped(where map[string]any, key string, address model.Bytes) map[string]any {
	own := map[string]any{key: address}
	if len(where) == 0 {
		return own
	}
	return map[string]any{"and": []any{where, own}}
}

// maxMemberships bounds the records one view lists (an address is in few projects).
const maxMemberships = 1000

// BeneficiaryView returns the resolver of the beneficiary view's fields.
func (r *Resolver) BeneficiaryView() exec.BeneficiaryViewResolver { return &beneficiaryViewResolver{r} }

type beneficiaryViewResolver struct{ *Resolver }

func (r *beneficiaryViewResolver) Memberships(ctx context.Context, v *model.BeneficiaryView) ([]*model.Beneficiary, error) {
	return list[model.Beneficiary](ctx, r.Resolver, "Beneficiary", query.ListArgs{
		First: ptr(maxMemberships), Where: map[string]any{"address": v.Address}, Block: v.Block})
}

// members loads the memberships once for the totals.
func (r *beneficiaryViewResolver) members(ctx context.Context, v *model.BeneficiaryView) ([]*model.Beneficiary, error) {
	v.Once.Do(func() {
		v.Members, v.Err = query.List[model.Beneficiary](ctx, r.eng, r.entity("Beneficiary"), query.ListArgs{
			First: ptr(maxMemberships), Where: map[string]any{"address": v.Address}, Block: v.Block})
	})
	return v.Members, v.Err
}

func (r *beneficiaryViewResolver) total(ctx context.Context, v *model.BeneficiaryView, f func(*model.Beneficiary) model.BigInt) (model.BigInt, error) {
	ms, err := r.members(ctx, v)
	if err != nil {
		return "", err
	}
	return sum(ms, f), nil
}

func (r *beneficiaryViewResolver) Balances(ctx context.Context, v *model.BeneficiaryView) ([]*model.Balance, error) {
	return list[model.Balance](ctx, r.Resolver, "Balance", query.ListArgs{
		First: ptr(maxMemberships), Where: map[string]any{"holder": v.Address}, Block: v.Block})
}

func (r *beneficiaryViewResolver) Allocation(ctx context.Context, v *model.BeneficiaryView) (model.BigInt, error) {
	return r.total(ctx, v, func(b *model.Beneficiary) model.BigInt { return b.Allocation })
}

func (r *beneficiaryViewResolver) Claimed(ctx context.Context, v *model.BeneficiaryView) (model.BigInt, error) {
	return r.total(ctx, v, func(b *model.Beneficiary) model.BigInt { return b.Claimed })
}

func (r *beneficiaryViewResolver) OfflineClaimed(ctx context.Context, v *model.BeneficiaryView) (model.BigInt, error) {
	return r.total(ctx, v, func(b *model.Beneficiary) model.BigInt { return b.OfflineClaimed })
}

func (r *beneficiaryViewResolver) Disbursed(ctx context.Context, v *model.BeneficiaryView) (model.BigInt, error) {
	return r.total(ctx, v, func(b *model.Beneficiary) model.BigInt { return b.Disbursed })
}

func (r *beneficiaryViewResolver) ClaimCount(ctx context.Context, v *model.BeneficiaryView) (model.BigInt, error) {
	return r.total(ctx, v, func(b *model.Beneficiary) model.BigInt { return b.ClaimCount })
}

func (r *beneficiaryViewResolver) Claims(ctx context.Context, v *model.BeneficiaryView, first, skip *int, where map[string]any) ([]*model.Claim, error) {
	return list[model.Claim](ctx, r.Resolver, "Claim", query.ListArgs{First: first, Skip: skip,
		OrderBy: ptr("createdAt"), OrderDirection: ptr("desc"), Where: scoped(where, "claimee", v.Address), Block: v.Block})
}

func (r *beneficiaryViewResolver) OfflineClaims(ctx context.Context, v *model.BeneficiaryView, first, skip *int, where map[string]any) ([]*model.OfflineClaim, error) {
	return list[model.OfflineClaim](ctx, r.Resolver, "OfflineClaim", query.ListArgs{First: first, Skip: skip,
		OrderBy: ptr("blockNumber"), OrderDirection: ptr("desc"), Where: scoped(where, "beneficiaryAddress", v.Address), Block: v.Block})
}

// VendorView returns the resolver of the vendor view's fields.
func (r *Resolver) VendorView() exec.VendorViewResolver { return &vendorViewResolver{r} }

type vendorViewResolver struct{ *Resolver }

func (r *vendorViewResolver) Memberships(ctx context.Context, v *model.VendorView) ([]*model.Vendor, error) {
	return list[model.Vendor](ctx, r.Resolver, "Vendor", query.ListArgs{
		First: ptr(maxMemberships), Where: map[string]any{"address": v.Address}, Block: v.Block})
}

func (r *vendorViewResolver) members(ctx context.Context, v *model.VendorView) ([]*model.Vendor, error) {
	v.Once.Do(func() {
		v.Members, v.Err = query.List[model.Vendor](ctx, r.eng, r.entity("Vendor"), query.ListArgs{
			First: ptr(maxMemberships), Where: map[string]any{"address": v.Address}, Block: v.Block})
	})
	return v.Members, v.Err
}

func (r *vendorViewResolver) total(ctx context.Context, v *model.VendorView, f func(*model.Vendor) model.BigInt) (model.BigInt, error) {
	ms, err := r.members(ctx, v)
	if err != nil {
		return "", err
	}
	return sum(ms, f), nil
}

func (r *vendorViewResolver) Balances(ctx context.Context, v *model.VendorView) ([]*model.Balance, error) {
	return list[model.Balance](ctx, r.Resolver, "Balance", query.ListArgs{
		First: ptr(maxMemberships), Where: map[string]any{"holder": v.Address}, Block: v.Block})
}

func (r *vendorViewResolver) Claimed(ctx context.Context, v *model.VendorView) (model.BigInt, error) {
	return r.total(ctx, v, func(x *model.Vendor) model.BigInt { return x.Claimed })
}

func (r *vendorViewResolver) OfflineClaimed(ctx context.Context, v *model.VendorView) (model.BigInt, error) {
	return r.total(ctx, v, func(x *model.Vendor) model.BigInt { return x.OfflineClaimed })
}

func (r *vendorViewResolver) Redeemed(ctx context.Context, v *model.VendorView) (model.BigInt, error) {
	return r.total(ctx, v, func(x *model.Vendor) model.BigInt { return x.Redeemed })
}

func (r *vendorViewResolver) ClaimCount(ctx context.Context, v *model.VendorView) (model.BigInt, error) {
	return r.total(ctx, v, func(x *model.Vendor) model.BigInt { return x.ClaimCount })
}

func (r *vendorViewResolver) ProcessedCount(ctx context.Context, v *model.VendorView) (model.BigInt, error) {
	return r.total(ctx, v, func(x *model.Vendor) model.BigInt { return x.ProcessedCount })
}

func (r *vendorViewResolver) OfflineCount(ctx context.Context, v *model.VendorView) (model.BigInt, error) {
	return r.total(ctx, v, func(x *model.Vendor) model.BigInt { return x.OfflineCount })
}

func (r *vendorViewResolver) RedeemCount(ctx context.Context, v *model.VendorView) (model.BigInt, error) {
	return r.total(ctx, v, func(x *model.Vendor) model.BigInt { return x.RedeemCount })
}

func (r *vendorViewResolver) Claims(ctx context.Context, v *model.VendorView, first, skip *int, where map[string]any) ([]*model.Claim, error) {
	return list[model.Claim](ctx, r.Resolver, "Claim", query.ListArgs{First: first, Skip: skip,
		OrderBy: ptr("createdAt"), OrderDirection: ptr("desc"), Where: scoped(where, "claimer", v.Address), Block: v.Block})
}

func (r *vendorViewResolver) OfflineClaims(ctx context.Context, v *model.VendorView, first, skip *int, where map[string]any) ([]*model.OfflineClaim, error) {
	return list[model.OfflineClaim](ctx, r.Resolver, "OfflineClaim", query.ListArgs{First: first, Skip: skip,
		OrderBy: ptr("blockNumber"), OrderDirection: ptr("desc"), Where: scoped(where, "vendorAddress", v.Address), Block: v.Block})
}

func (r *vendorViewResolver) Redemptions(ctx context.Context, v *model.VendorView, first, skip *int, where map[string]any) ([]*model.Redemption, error) {
	return list[model.Redemption](ctx, r.Resolver, "Redemption", query.ListArgs{First: first, Skip: skip,
		OrderBy: ptr("blockNumber"), OrderDirection: ptr("desc"), Where: scoped(where, "vendorAddress", v.Address), Block: v.Block})
}
