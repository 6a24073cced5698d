// vial used from a project of one's own (examples/standalone/): installed into a prefix
// and found with find_package or pkg-config, added with add_subdirectory, and unpacked
// from the Debian package `make package` builds. Each builds the project and serves it.
#include <gtest/gtest.h>
#include <support/command_output.hpp>

#include <cstdlib>
#include <filesystem>
#include <string>

namespace {

namespace fs = std::filesystem;
using vial::testing::run_command;

const std::string kSource = VIAL_SOURCE_DIR_PATH;
const std::string kBuild = VIAL_BUILD_DIR_PATH;
const std::string kServeOnce = kSource + "/tests/install/serve_once.sh";

class InstallTest : public ::testing::Test {
  protected:
    void SetUp() override {
        std::string pattern = (fs::temp_directory_path() / "vial-install-XXXXXX").string();
        ASSERT_NE(::mkdtemp(pattern.data()), nullptr);
        dir_ = pattern;
    }
    void TearDown() override {
        std::error_code ignored;
        fs::remove_all(dir_, ignored);
    }

    // Runs `command` with stderr folded in; fails the test (printing the output) when it
    // exits non-zero.
    std::string must(const std::string& command) {
        auto result = run_command("(" + command + ") 2>&1");
        EXPECT_EQ(result.exit_code, 0) << command << "\n" << result.output;
        return result.output;
    }

    // Configures and builds a copy of examples/standalone with `cmake_args`; returns the
    // built app's path.
    std::string build_standalone(const std::string& cmake_args) {
        fs::copy(kSource + "/examples/standalone", dir_ / "standalone",
                 fs::copy_options::recursive);
        std::string project = (dir_ / "standalone").string();
        std::string build = (dir_ / "standalone-build").string();
        must("cmake -S " + project + " -B " + build + " -G Ninja " + cmake_args);
        must("cmake --build " + build);
        return build + "/app";
    }

    // The hello page and a coroutine view, served over a real socket.
    void expect_serves(const std::string& app) {
        std::string out = must(kServeOnce + " " + app + " / /later /hello/new-user");
        EXPECT_NE(out.find("Hello, World!\n"), std::string::npos) << out;
        EXPECT_NE(out.find("{\"message\":\"Hello, later!\",\"version\":\""), std::string::npos)
            << out;
        EXPECT_NE(out.find("{\"hello\":\"new-user\"}"), std::string::npos) << out;
    }

    fs::path dir_;
};

TEST_F(InstallTest, PrefixInstallIsFoundByFindPackageAndPkgConfig) {
    std::string prefix = (dir_ / "prefix").string();
    must("cmake --install " + kBuild + " --prefix " + prefix);
    EXPECT_TRUE(fs::exists(prefix + "/include/vial/vial.hpp"));
    EXPECT_TRUE(fs::exists(prefix + "/include/vial/version.hpp"));

    std::string app = build_standalone("-DCMAKE_PREFIX_PATH=" + prefix);
    expect_serves(app);
    EXPECT_NE(must(app + " routes").find("/hello/<name>"), std::string::npos);

    // pkg-config, for other build systems: the same flags and libraries.
    std::string pkg = "PKG_CONFIG_PATH=" + prefix + "/lib/pkgconfig pkg-config ";
    EXPECT_EQ("vial " + must(pkg + "--modversion vial"), must(app + " --version"));
    std::string pc_app = (dir_ / "app-pc").string();
    must("g++ $(" + pkg + "--cflags vial) " + kSource + "/examples/standalone/app.cpp -o " +
         pc_app + " $(" + pkg + "--libs vial)");
    expect_serves(pc_app);

    // A Task that is never awaited is a compile error in a consumer, not a silent no-op.
    std::string snippet = (dir_ / "unawaited.cpp").string();
    must(
        "printf '%s\\n' '#include <vial/vial.hpp>' "
        "'void f() { vial::sleep(std::chrono::milliseconds(1)); }' > " +
        snippet);
    auto unawaited =
        run_command("g++ $(" + pkg + "--cflags vial) -fsyntax-only " + snippet + " 2>&1");
    EXPECT_NE(unawaited.exit_code, 0);
    EXPECT_NE(unawaited.output.find("unused-result"), std::string::npos) << unawaited.output;
}

TEST_F(InstallTest, AddSubdirectoryBuildsOnlyTheLibrary) {
    // No GTest, Google Benchmark or examples for a consumer: only vial itself is built.
    std::string app = build_standalone("-DVIAL_SOURCE_DIR=" + kSource);
    std::string targets =
        must("cmake --build " + (dir_ / "standalone-build").string() + " --target help");
    EXPECT_NE(targets.find("vial"), std::string::npos);
    EXPECT_EQ(targets.find("vial_showcase"), std::string::npos) << targets;
    EXPECT_EQ(targets.find("vial_unit_tests"), std::string::npos);
    EXPECT_EQ(targets.find("vial_micro_bench"), std::string::npos);
    expect_serves(app);
}

TEST_F(InstallTest, DebianPackageInstallsAUsableLibrary) {
    std::string packages = (dir_ / "packages").string();
    must("cpack --config " + kBuild + "/CPackConfig.cmake -B " + packages);
    std::string deb = must("ls " + packages + "/libvial-dev_*.deb");
    while (!deb.empty() && deb.back() == '\n') deb.pop_back();
    ASSERT_FALSE(deb.empty());

    EXPECT_EQ(must("dpkg-deb -f " + deb + " Package"), "libvial-dev\n");
    std::string depends = must("dpkg-deb -f " + deb + " Depends");
    EXPECT_NE(depends.find("libboost-json1.81-dev"), std::string::npos) << depends;
    EXPECT_NE(depends.find("libcurl4-openssl-dev"), std::string::npos) << depends;
    std::string files = must("dpkg-deb -c " + deb);
    EXPECT_NE(files.find("./usr/include/vial/vial.hpp"), std::string::npos) << files;
    EXPECT_NE(files.find("/cmake/vial/vialConfig.cmake"), std::string::npos) << files;

    // Unpacked rather than installed: the test must not change the machine. `apt install
    // ./libvial-dev_*.deb` puts the same files under /usr.
    std::string root = (dir_ / "root").string();
    must("dpkg-deb -x " + deb + " " + root);
    expect_serves(build_standalone("-DCMAKE_PREFIX_PATH=" + root + "/usr"));
}

}  // namespace
