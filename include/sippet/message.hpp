#pragma once
// The message layer in one include.
#include "sippet/message/builder.hpp"
#include "sippet/message/header_id.hpp"
#include "sippet/message/headers.hpp"
#include "sippet/message/message.hpp"
#include "sippet/message/method.hpp"
#include "sippet/message/params.hpp"
#include "sippet/message/parser.hpp"
#include "sippet/message/result.hpp"
#include "sippet/message/text.hpp"
#include "sippet/message/uri.hpp"
#include "sippet/message/validate.hpp"
