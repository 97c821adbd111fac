// CryptoPool: every job of a batch runs once, run() returns only when all are done (so results
// are consumed in the order they were read), small batches stay on the caller, workers join
// large ones, each thread keeps its own key cache, and two threads may submit at once.
#define BOOST_TEST_MODULE dataplane_crypto_pool
#include <boost/test/unit_test.hpp>

#include <atomic>
#include <chrono>
#include <map>
#include <mutex>
#include <thread>
#include <vector>

#include "dataplane/crypto_pool.h"

using namespace weft;

namespace {

// Roughly the cost of sealing a full-size packet, without a clock in the loop.
uint64_t busy(uint64_t seed) {
  uint64_t x = seed | 1;
  for (int i = 0; i < 2000; ++i) x = x * 6364136223846793005ull + 1442695040888963407ull;
  return x;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(crypto_pool)

BOOST_AUTO_TEST_CASE(runs_every_job_of_a_batch_exactly_once) {
  dataplane::CryptoPool pool(2);
  wg::TransportCrypto mine;
  for (std::size_t n : {0u, 1u, 7u, 8u, 9u, 64u, 1000u}) {
    std::vector<std::atomic<int>> runs(n);
    pool.run(n, [&](std::size_t i, wg::TransportCrypto&) { runs[i].fetch_add(1); }, mine);
    for (std::size_t i = 0; i < n; ++i) BOOST_TEST(runs[i].load() == 1);
  }
}

BOOST_AUTO_TEST_CASE(results_are_complete_when_run_returns_and_consumed_in_order) {
  dataplane::CryptoPool pool(3);
  wg::TransportCrypto mine;
  std::vector<uint64_t> consumed;
  uint64_t seq = 0;
  for (int batch = 0; batch < 200; ++batch) {
    std::size_t n = 1 + static_cast<std::size_t>(batch % 64);
    std::vector<uint64_t> in(n);
    std::vector<uint64_t> out(n, 0);  // plain (non-atomic) writes from other threads
    for (auto& v : in) v = seq++;
    pool.run(n, [&](std::size_t i, wg::TransportCrypto&) {
      (void)busy(in[i]);
      out[i] = in[i] + 1;
    }, mine);
    for (std::size_t i = 0; i < n; ++i) consumed.push_back(out[i] - 1);
  }
  BOOST_REQUIRE(consumed.size() == seq);
  for (uint64_t i = 0; i < seq; ++i) BOOST_TEST_REQUIRE(consumed[i] == i);
}

BOOST_AUTO_TEST_CASE(small_batches_stay_on_the_caller) {
  dataplane::CryptoPool pool(2);
  wg::TransportCrypto mine;
  const auto me = std::this_thread::get_id();
  bool elsewhere = false;
  bool parallel = pool.run(dataplane::CryptoPool::kMinParallel - 1,
                           [&](std::size_t, wg::TransportCrypto& c) {
                             elsewhere |= std::this_thread::get_id() != me || &c != &mine;
                           },
                           mine);
  BOOST_TEST(!parallel);
  BOOST_TEST(!elsewhere);
  BOOST_TEST(pool.parallel_batches() == 0u);
}

BOOST_AUTO_TEST_CASE(workers_join_large_batches_each_with_its_own_key_cache) {
  dataplane::CryptoPool pool(2);
  wg::TransportCrypto mine;
  std::mutex mu;
  std::map<const wg::TransportCrypto*, std::thread::id> owner;
  bool shared_cache = false;
  bool parallel = false;
  // A loaded machine may not schedule a worker within one batch; some of 200 must see one.
  for (int attempt = 0; attempt < 200 && !parallel; ++attempt) {
    parallel = pool.run(64, [&](std::size_t i, wg::TransportCrypto& c) {
      (void)busy(i);
      std::lock_guard<std::mutex> lock(mu);
      auto [it, added] = owner.emplace(&c, std::this_thread::get_id());
      if (!added && it->second != std::this_thread::get_id()) shared_cache = true;
    }, mine);
  }
  BOOST_TEST(parallel);
  BOOST_TEST(pool.parallel_batches() >= 1u);
  BOOST_TEST(!shared_cache);
  bool worker_cache = false;  // the caller may even have run none of the jobs itself
  for (const auto& [cache, thread] : owner)
    worker_cache |= cache != &mine && thread != std::this_thread::get_id();
  BOOST_TEST(worker_cache);
}

BOOST_AUTO_TEST_CASE(two_threads_submit_at_once) {
  dataplane::CryptoPool pool(2);
  std::atomic<bool> wrong{false};
  auto submitter = [&](uint64_t base) {
    wg::TransportCrypto mine;
    for (int batch = 0; batch < 300; ++batch) {
      std::vector<uint64_t> out(32, 0);
      pool.run(out.size(), [&](std::size_t i, wg::TransportCrypto&) {
        (void)busy(i);
        out[i] = base + i;
      }, mine);
      for (std::size_t i = 0; i < out.size(); ++i)
        if (out[i] != base + i) wrong = true;
    }
  };
  std::thread one(submitter, 1000);
  std::thread two(submitter, 2000);
  one.join();
  two.join();
  BOOST_TEST(!wrong.load());
}

BOOST_AUTO_TEST_CASE(without_workers_everything_runs_on_the_caller) {
  dataplane::CryptoPool pool(0);
  wg::TransportCrypto mine;
  const auto me = std::this_thread::get_id();
  int elsewhere = 0;
  BOOST_TEST(!pool.run(100, [&](std::size_t, wg::TransportCrypto&) {
    elsewhere += std::this_thread::get_id() != me;
  }, mine));
  BOOST_TEST(elsewhere == 0);
}

BOOST_AUTO_TEST_SUITE_END()
