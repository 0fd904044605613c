-- 0020_graphql: helpers of the GraphQL query engine (graphql/query).
--
-- TheGraph's id of an event entity is the transaction hash followed by the log index as 4
-- little-endian bytes (concatI32). Event tables store the two apart; these functions rebuild the id
-- for filters on it (id_gt, id_contains ...) and for ordering by it. graphql_le32 is a plain SQL
-- expression, so the planner inlines it.
CREATE FUNCTION graphql_le32(i int4) RETURNS bytea
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
RETURN set_byte(set_byte(set_byte(set_byte('\x00000000'::bytea,
    0, i & 255), 1, (i >> 8) & 255), 2, (i >> 16) & 255), 3, (i >> 24) & 255);

-- A whole, non-negative numeric (a uint256 such as a claim id) as 32 big-endian bytes: the id part of
-- entities keyed by one.
CREATE FUNCTION graphql_u256(n numeric) RETURNS bytea
LANGUAGE plpgsql IMMUTABLE STRICT PARALLEL SAFE AS $$
DECLARE
    out bytea := decode(repeat('00', 32), 'hex');
    v   numeric := trunc(n);
    i   int := 31;
BEGIN
    WHILE v > 0 AND i >= 0 LOOP
        out := set_byte(out, i, mod(v, 256)::int);
        v := div(v, 256);
        i := i - 1;
    END LOOP;
    RETURN out;
END
$$;
