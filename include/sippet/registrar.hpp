#pragma once
// The registrar layer: REGISTER processing (RFC 3261 §10.3, RFC 5626,
// RFC 3327) and the storage of bindings (memory, SQLite, PostgreSQL).
#include "sippet/registrar/binding.hpp"
#include "sippet/registrar/registrar.hpp"
#include "sippet/registrar/storage.hpp"
