#pragma once
// The storage suite, run on every Storage implementation: a type-parameterized
// GoogleTest suite. A factory type gives
//   static std::string unavailable();  // "" or why the suite is skipped
//   static std::unique_ptr<Storage> make();
//   static constexpr bool kKeyed;  // (aor, contact, instance, reg-id) is a unique key
// and a test file instantiates it: INSTANTIATE_TYPED_TEST_SUITE_P(Name,
// StorageTest, Factory).
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <string>

#include "sippet/registrar/storage.hpp"

namespace sippet::registrar::test {

namespace fs = std::filesystem;

inline fs::path temp_dir(const char* name) {
  fs::path dir = fs::temp_directory_path() /
                 (std::string("sippet-") + name + "-" + std::to_string(::getpid()));
  fs::remove_all(dir);
  fs::create_directories(dir);
  return dir;
}

inline Binding make_binding(const std::string& aor, const std::string& contact,
                            UnixSeconds expires_at) {
  Binding b;
  b.aor = aor;
  b.contact = contact;
  b.params = "q=0.5;+sip.instance=\"<urn:uuid:1>\";reg-id=2";
  b.q = 500;
  b.instance = "<urn:uuid:1>";
  b.reg_id = 2;
  b.call_id = "call-" + contact;
  b.cseq = 7;
  b.expires_at = expires_at;
  b.path = {"<sip:p1.example.com;lr;ob>", "<sip:p2.example.com;lr>"};
  b.flow.protocol = transport::Protocol::kTcp;
  b.flow.local = *transport::Endpoint::from_ip("::1", 5060);
  b.flow.remote = *transport::Endpoint::from_ip("192.0.2.7", 40123);
  b.flow.connection = 42;
  return b;
}

template <class Factory>
class StorageTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (auto why = Factory::unavailable(); !why.empty()) GTEST_SKIP() << why;
    storage_ = Factory::make();
    ASSERT_NE(storage_, nullptr);
  }
  std::unique_ptr<Storage> storage_;
};

TYPED_TEST_SUITE_P(StorageTest);

TYPED_TEST_P(StorageTest, EmptyLookup) {
  auto r = this->storage_->lookup("sip:nobody@example.com");
  ASSERT_TRUE(r.ok());
  EXPECT_TRUE(r->empty());
}

TYPED_TEST_P(StorageTest, ReplaceThenLookupRoundTripsEveryField) {
  std::vector<Binding> set = {make_binding("sip:a@x", "sip:a@192.0.2.1", 100),
                              make_binding("sip:a@x", "sip:a@192.0.2.2", 200)};
  set[1].q = -1;
  set[1].instance.clear();
  set[1].reg_id = 0;
  set[1].path.clear();
  set[1].flow = transport::Flow{};
  set[1].cseq = 4294967295u;
  set[1].expires_at = 4'000'000'000'000;
  ASSERT_TRUE(this->storage_->replace("sip:a@x", set).ok());
  auto r = this->storage_->lookup("sip:a@x");
  ASSERT_TRUE(r.ok()) << r.error().reason;
  EXPECT_EQ(*r, set);
}

TYPED_TEST_P(StorageTest, ReplaceReplacesTheWholeSetOfOneAorOnly) {
  ASSERT_TRUE(this->storage_
                  ->replace("sip:a@x", {make_binding("sip:a@x", "sip:1@h", 100),
                                        make_binding("sip:a@x", "sip:2@h", 100)})
                  .ok());
  ASSERT_TRUE(this->storage_->replace("sip:b@x", {make_binding("sip:b@x", "sip:9@h", 100)}).ok());
  ASSERT_TRUE(this->storage_->replace("sip:a@x", {make_binding("sip:a@x", "sip:3@h", 100)}).ok());
  auto a = this->storage_->lookup("sip:a@x");
  ASSERT_TRUE(a.ok());
  ASSERT_EQ(a->size(), 1u);
  EXPECT_EQ((*a)[0].contact, "sip:3@h");
  ASSERT_TRUE(this->storage_->replace("sip:a@x", {}).ok());
  auto all = this->storage_->all();
  ASSERT_TRUE(all.ok());
  ASSERT_EQ(all->size(), 1u);
  EXPECT_EQ((*all)[0].aor, "sip:b@x");
}

TYPED_TEST_P(StorageTest, FailedReplaceLeavesTheSetAsItWas) {
  ASSERT_TRUE(this->storage_->replace("sip:a@x", {make_binding("sip:a@x", "sip:1@h", 100)}).ok());
  // Two bindings with one contact: the key (aor, contact) of the databases
  // refuses the second (kKeyed); memory has no keys.
  auto r = this->storage_->replace("sip:a@x", {make_binding("sip:a@x", "sip:2@h", 100),
                                               make_binding("sip:a@x", "sip:2@h", 100)});
  if constexpr (TypeParam::kKeyed) {
    ASSERT_FALSE(r.ok());
  }
  if (!r.ok()) {
    EXPECT_EQ(r.error().kind, message::ErrorKind::kStorageError);
    auto a = this->storage_->lookup("sip:a@x");
    ASSERT_TRUE(a.ok());
    ASSERT_EQ(a->size(), 1u);
    EXPECT_EQ((*a)[0].contact, "sip:1@h");
  }
}

TYPED_TEST_P(StorageTest, RemoveExpired) {
  ASSERT_TRUE(this->storage_
                  ->replace("sip:a@x", {make_binding("sip:a@x", "sip:1@h", 100),
                                        make_binding("sip:a@x", "sip:2@h", 200)})
                  .ok());
  ASSERT_TRUE(this->storage_->replace("sip:b@x", {make_binding("sip:b@x", "sip:3@h", 150)}).ok());
  auto n = this->storage_->remove_expired(99);
  ASSERT_TRUE(n.ok());
  EXPECT_EQ(*n, 0u);
  n = this->storage_->remove_expired(150);
  ASSERT_TRUE(n.ok());
  EXPECT_EQ(*n, 2u);
  auto all = this->storage_->all();
  ASSERT_TRUE(all.ok());
  ASSERT_EQ(all->size(), 1u);
  EXPECT_EQ((*all)[0].contact, "sip:2@h");
}

TYPED_TEST_P(StorageTest, AllIsOrderedByAorThenContact) {
  ASSERT_TRUE(this->storage_
                  ->replace("sip:b@x", {make_binding("sip:b@x", "sip:2@h", 1),
                                        make_binding("sip:b@x", "sip:1@h", 1)})
                  .ok());
  ASSERT_TRUE(this->storage_->replace("sip:a@x", {make_binding("sip:a@x", "sip:9@h", 1)}).ok());
  auto all = this->storage_->all();
  ASSERT_TRUE(all.ok());
  ASSERT_EQ(all->size(), 3u);
  EXPECT_EQ((*all)[0].aor, "sip:a@x");
  EXPECT_EQ((*all)[1].contact, "sip:1@h");
  EXPECT_EQ((*all)[2].contact, "sip:2@h");
}

TYPED_TEST_P(StorageTest, ReplaceBatchStoresEverySet) {
  ASSERT_TRUE(this->storage_->replace("sip:c@x", {make_binding("sip:c@x", "sip:9@h", 1)}).ok());
  ASSERT_TRUE(this->storage_
                  ->replace_batch({{"sip:a@x", {make_binding("sip:a@x", "sip:1@h", 1)}},
                                   {"sip:b@x", {make_binding("sip:b@x", "sip:2@h", 1)}},
                                   {"sip:c@x", {}}})
                  .ok());
  auto all = this->storage_->all();
  ASSERT_TRUE(all.ok());
  ASSERT_EQ(all->size(), 2u);
  EXPECT_EQ((*all)[0].contact, "sip:1@h");
  EXPECT_EQ((*all)[1].contact, "sip:2@h");
}

TYPED_TEST_P(StorageTest, FailedReplaceBatchStoresNothing) {
  if constexpr (!TypeParam::kKeyed) GTEST_SKIP() << "memory has no key to violate";
  ASSERT_TRUE(this->storage_->replace("sip:a@x", {make_binding("sip:a@x", "sip:1@h", 1)}).ok());
  // The second set breaks the key (aor, contact, instance, reg-id): the
  // first is not stored.
  auto r = this->storage_->replace_batch(
      {{"sip:a@x", {}},
       {"sip:b@x",
        {make_binding("sip:b@x", "sip:2@h", 1), make_binding("sip:b@x", "sip:2@h", 1)}}});
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().kind, message::ErrorKind::kStorageError);
  auto all = this->storage_->all();
  ASSERT_TRUE(all.ok());
  ASSERT_EQ(all->size(), 1u);
  EXPECT_EQ((*all)[0].aor, "sip:a@x");
}

TYPED_TEST_P(StorageTest, OneContactWithTwoRegIdsIsTwoBindings) {
  // RFC 5626: one instance registers one Contact URI on two flows.
  Binding second = make_binding("sip:a@x", "sip:a@192.0.2.1;ob", 100);
  Binding first = second;
  first.reg_id = 1;
  first.flow.connection = 41;
  ASSERT_TRUE(this->storage_->replace("sip:a@x", {second, first}).ok());
  auto r = this->storage_->lookup("sip:a@x");
  ASSERT_TRUE(r.ok());
  ASSERT_EQ(r->size(), 2u);
  EXPECT_EQ((*r)[0].reg_id, 1u);
  EXPECT_EQ((*r)[0].flow.connection, 41u);
  EXPECT_EQ((*r)[1].reg_id, 2u);
  EXPECT_EQ((*r)[1].flow.connection, 42u);
}

REGISTER_TYPED_TEST_SUITE_P(StorageTest, EmptyLookup, ReplaceThenLookupRoundTripsEveryField,
                            OneContactWithTwoRegIdsIsTwoBindings,
                            ReplaceReplacesTheWholeSetOfOneAorOnly,
                            FailedReplaceLeavesTheSetAsItWas, RemoveExpired,
                            AllIsOrderedByAorThenContact, ReplaceBatchStoresEverySet,
                            FailedReplaceBatchStoresNothing);

}  // namespace sippet::registrar::test
