#pragma once
// The auth layer in one include: Digest authentication (RFC 3261 §22,
// RFC 7616, RFC 8760).
#include "sippet/auth/client.hpp"
#include "sippet/auth/digest.hpp"
#include "sippet/auth/header.hpp"
#include "sippet/auth/server.hpp"
#include "sippet/auth/users.hpp"
