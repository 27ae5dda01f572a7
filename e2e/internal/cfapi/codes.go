package cfapi

// Error codes the fake answers with. "Seen" means the code (and the message the fake uses) appears in real API
// answers quoted in public issue trackers or client code; "chosen" means the real code is not known and the fake
// picked one (the cloudflare client only looks at the HTTP status and the messages).
const (
	// CodeMissingAuth (HTTP 400): no Authorization header. Seen: "Missing X-Auth-Key, X-Auth-Email or
	// Authorization headers".
	CodeMissingAuth = 9106
	// CodeInvalidHeaders (HTTP 400): an Authorization header that is not "Bearer <token>". Seen: "Invalid request
	// headers", with an error_chain entry CodeInvalidAuthHeader.
	CodeInvalidHeaders = 6003
	// CodeInvalidAuthHeader is the error_chain entry of CodeInvalidHeaders ("Invalid format for Authorization
	// header"); chosen by analogy with the seen 6102/6103 for the X-Auth-* headers.
	CodeInvalidAuthHeader = 6111
	// CodeNoRoute (HTTP 404 for endpoints the fake does not implement; also the second entry of
	// CodeCouldNotRoute). Seen: "No route for that URI".
	CodeNoRoute = 7000
	// CodeCouldNotRoute (HTTP 400): unknown account or zone id. Seen: "Could not route to <path>, perhaps your
	// object identifier is invalid?" followed by CodeNoRoute. The real API may answer 403 (10000,
	// "Authentication error") for a well-formed id the token cannot access.
	CodeCouldNotRoute = 7003

	// CodeBadJSON (HTTP 400): a tunnel request body that does not parse or has an invalid field (bad base64
	// tunnel_secret, unknown config_src, missing name). Seen for unparsable bodies: "Could not parse input. Json
	// deserialize error: ..."; for the other cases the real code is not known.
	CodeBadJSON = 1030
	// CodeTunnelNameExists (HTTP 409): a second non-deleted tunnel with the same name in an account. Seen: "You
	// already have a tunnel with this name. Delete the existing tunnel, or choose a different name for your new
	// tunnel"; cloudflared maps HTTP 409 to "tunnel with name already exists".
	CodeTunnelNameExists = 1013
	// CodeTunnelNotFound (HTTP 404): unknown tunnel id, or a tunnel call that needs a live tunnel (token,
	// configuration, connections cleanup, delete) on a deleted one. Chosen.
	CodeTunnelNotFound = 1003
	// CodeTunnelHasConnections (HTTP 400): DELETE of a tunnel while Options.Connectors reports connectors. The
	// code is seen for this case; the message is chosen.
	CodeTunnelHasConnections = 1022
	// CodeBadConfiguration (HTTP 400): a tunnel configuration cloudflared would refuse. Seen: "Bad
	// Configuration: Validation failed: <cloudflared's message>\n", e.g. "The last ingress rule must match all
	// URLs (i.e. it should not have a hostname or path filter)".
	CodeBadConfiguration = 1056

	// CodeDNSValidation (HTTP 400): a DNS record the API refuses (missing field, name outside the zone, proxied
	// with a TTL other than 1, proxied type that cannot be, bad A/AAAA content). Seen as the code of "DNS
	// Validation Error"; the messages are chosen.
	CodeDNSValidation = 1004
	// CodeInvalidCNAME (HTTP 400): CNAME content that is not a hostname. Seen: "Content for CNAME record is
	// invalid.".
	CodeInvalidCNAME = 9007
	// CodeNameHasRecord (HTTP 400): a CNAME whose name already has a record. Seen: "An A, AAAA, or CNAME record
	// with that host already exists.".
	CodeNameHasRecord = 81053
	// CodeNameHasCNAME (HTTP 400): a record whose name already has a CNAME. Seen: "A CNAME record with that
	// host already exists.".
	CodeNameHasCNAME = 81054
	// CodeRecordExists (HTTP 400): a record identical (type, name, content) to an existing one. Seen: "Record
	// already exists.".
	CodeRecordExists = 81057
	// CodeRecordNotFound (HTTP 404): unknown record id. Chosen ("Record does not exist.").
	CodeRecordNotFound = 81044

	// CodeBadRouteNetwork (HTTP 400): a route network that is not a CIDR in canonical form, or a change of a
	// route's network. Chosen.
	CodeBadRouteNetwork = 1060
	// CodeRouteExists (HTTP 409): a second live route for a network in the same virtual network. Chosen.
	CodeRouteExists = 1061
	// CodeRouteNotFound (HTTP 404): no live route for the network in the virtual network. Chosen.
	CodeRouteNotFound = 1062
	// CodeVnetNameExists (HTTP 409): a second live virtual network with the same name in an account. Chosen.
	CodeVnetNameExists = 1063
	// CodeVnetNotFound (HTTP 404 for its own endpoints, 400 when a route names it): unknown or deleted
	// virtual network. Chosen.
	CodeVnetNotFound = 1064
	// CodeVnetInUse (HTTP 400): deleting the default virtual network or one that live routes use. Chosen.
	CodeVnetInUse = 1065
	// CodeAccessBadRequest (HTTP 400): an Access application, policy or service token the API refuses (unknown
	// type or decision, missing domain or name, a domain outside the account's zones, a link to a policy that
	// does not exist, a policy without include rules, an unknown service token duration). Chosen, and so are
	// the messages ("access.api.error.invalid_request: ...").
	CodeAccessBadRequest = 12130
	// CodeAccessNotFound (HTTP 404): unknown or deleted Access application, policy or service token; the
	// provider drops the resource from its state on a 404. Chosen ("access.api.error.not_found: ...").
	CodeAccessNotFound = 12131
)
