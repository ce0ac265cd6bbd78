//! The web runtime as its users get it: the npm package in `web/` packed (`npm pack`, which
//! builds the tool module it carries), installed from the tarball into a project of its own,
//! its declarations checked by TypeScript (`tsc --strict`) against a program that uses the API
//! (`npm/app.ts`), and run from the installed package: that program in Node, and a plain page
//! without a bundler (`npm/index.html`, an import map) in Chromium.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

include!("common/trace_node.rs");

const ROOT: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/..");

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

/// Runs `cmd` and asserts that it succeeded.
fn ok(cmd: &mut Command) -> Output {
    let out = cmd.output().unwrap_or_else(|e| panic!("{cmd:?}: {e}"));
    assert!(out.status.success(), "{cmd:?} failed:\n{}{}", text(&out.stdout), text(&out.stderr));
    out
}

/// The files the packed package holds (`npm pack --json`), and the project it is installed in,
/// made once per test binary in target/npm-test.
fn installed() -> &'static (Vec<String>, PathBuf) {
    static MADE: std::sync::OnceLock<(Vec<String>, PathBuf)> = std::sync::OnceLock::new();
    MADE.get_or_init(|| {
        let dir = PathBuf::from(format!("{ROOT}/target/npm-test"));
        std::fs::remove_dir_all(&dir).ok();
        let project = dir.join("project");
        std::fs::create_dir_all(&project).unwrap();
        let packed = ok(Command::new("npm")
            .args(["pack", "--json", "--pack-destination"])
            .arg(&dir)
            .current_dir(format!("{ROOT}/web")));
        let json: serde_json::Value = serde_json::from_slice(&packed.stdout).expect("npm pack --json prints JSON");
        let files = json[0]["files"].as_array().expect("npm pack lists its files");
        let files = files.iter().filter_map(|f| f["path"].as_str().map(String::from)).collect();
        let tarball = dir.join(json[0]["filename"].as_str().expect("npm pack names its tarball"));
        std::fs::write(project.join("package.json"), r#"{ "name": "app", "private": true, "type": "module" }"#)
            .unwrap();
        ok(Command::new("npm")
            .args(["install", "--no-audit", "--no-fund", "--no-package-lock"])
            .arg(&tarball)
            .current_dir(&project));
        for fixture in ["app.ts", "index.html"] {
            std::fs::copy(format!("{ROOT}/host/tests/npm/{fixture}"), project.join(fixture)).unwrap();
        }
        (files, project)
    })
}

/// `tsc --strict` (scripts/setup.sh installs TypeScript and Node's types into
/// target/npm-tools) on `file` in the project, its JavaScript written to `out/`.
fn tsc(project: &Path, file: &str) -> Output {
    let tools = format!("{ROOT}/target/npm-tools/node_modules");
    let tsc = format!("{tools}/typescript/bin/tsc");
    assert!(Path::new(&tsc).exists(), "no TypeScript at {tsc}: run scripts/setup.sh --tests");
    Command::new(trace_node())
        .arg(tsc)
        .args(["--strict", "--noEmitOnError", "--target", "es2022", "--module", "nodenext"])
        .args(["--moduleResolution", "nodenext", "--lib", "es2022,dom", "--types", "node", "--typeRoots"])
        .arg(format!("{tools}/@types"))
        .args(["--outDir", "out", file])
        .current_dir(project)
        .output()
        .unwrap()
}

#[test]
fn the_package_holds_the_runtime_its_types_and_tool_and_nothing_of_the_tests() {
    let (files, _) = installed();
    for needed in
        ["package.json", "wthreads.mjs", "worker.mjs", "wthreads.d.ts", "trace/tool.mjs", "wthreads-tool.wasm"]
    {
        assert!(files.iter().any(|f| f == needed), "the package lacks {needed}: {files:?}");
    }
    for f in files {
        assert!(!f.starts_with("tools/") && !f.starts_with("tool/") && !f.starts_with("demo/"), "{f} is packed");
    }
}

/// The program of `npm/app.ts` type-checks strictly against the declarations, and runs from
/// the installed package in Node 22: events, a trace converted by the packaged tool module, a
/// race reported as the program runs, a deadlock's error, a `Runtime`'s calls and strings.
#[test]
fn a_typescript_program_type_checks_and_runs_from_the_installed_package() {
    let (_, project) = installed();
    let out = tsc(project, "app.ts");
    assert!(out.status.success(), "tsc --strict app.ts:\n{}{}", text(&out.stdout), text(&out.stderr));
    let out = ok(Command::new(trace_node()).arg("out/app.js").arg(wthreads_guest_tests::PROGRAMS).current_dir(project));
    let seen: serde_json::Value =
        serde_json::from_slice(&out.stdout).unwrap_or_else(|_| panic!("{}", text(&out.stdout)));
    assert_eq!(seen["code"], 0, "{seen}");
    for event in ["spawn", "join", "exit"] {
        assert!(seen["events"][event].as_u64() >= Some(1), "no {event} event: {seen}");
    }
    assert_eq!(seen["formats"], serde_json::json!(["perfetto", "rapid", "raw", "text"]), "{seen}");
    assert!(seen["traceLines"].as_u64() > Some(5), "{seen}");
    assert!(seen["check"].as_str().is_some_and(|s| s.ends_with("reported")), "{seen}");
    assert_eq!(seen["reported"], true, "{seen}");
    assert_eq!(seen["raceStatus"], wthreads_host::EXIT_RACE, "{seen}");
    assert_eq!(seen["failed"], "deadlock", "{seen}");
    assert_eq!(seen["totals"], serde_json::json!(["2", "5"]), "{seen}");
    assert_eq!(seen["shouted"], "TYPED", "{seen}");
}

/// The declarations catch a misuse: an option that does not exist, a wrong argument type.
#[test]
fn the_declarations_reject_a_misuse() {
    let (_, project) = installed();
    let misuse = "import { Runtime, run } from 'wthreads';\n\
                  await run(new Uint8Array(), { invok: 'main' });\n\
                  await run(new Uint8Array(), { args: ['1'] });\n\
                  const rt = await Runtime.create(new Uint8Array());\n\
                  await rt.alloc('8');\n\
                  new Runtime();\n";
    std::fs::write(project.join("misuse.ts"), misuse).unwrap();
    let out = tsc(project, "misuse.ts");
    let said = text(&out.stdout);
    assert!(!out.status.success(), "tsc accepted a misuse:\n{said}");
    assert!(said.contains("'invok' does not exist in type 'RunOptions'"), "{said}");
    assert!(said.contains("Type 'string' is not assignable to type 'number | bigint'"), "{said}");
    assert!(said.contains("Argument of type 'string' is not assignable to parameter of type 'number'"), "{said}");
    assert!(said.contains("Constructor of class 'Runtime' is private"), "{said}");
}

/// A plain page (no bundler: an import map names the installed package) runs a threaded
/// program in Chromium.
#[test]
fn the_installed_package_runs_in_a_plain_page_in_chromium() {
    let (_, project) = installed();
    let mount = format!("/programs.wasm={}", wthreads_guest_tests::PROGRAMS);
    page_result(&[project.to_str().unwrap(), "/index.html", "--mount", &mount]);
}

/// The package's command line (`wthreads-node`, `web/cli.mjs`) runs from the installed package
/// as npm links it.
#[test]
fn the_installed_command_line_runs_a_program() {
    let (_, project) = installed();
    let out = Command::new(project.join("node_modules/.bin/wthreads-node"))
        .args(["run", wthreads_guest_tests::PROGRAMS, "--invoke", "test_spawn_join_value"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}{}", text(&out.stdout), text(&out.stderr));
    let out = Command::new(project.join("node_modules/.bin/wthreads-node")).arg("--bogus").output().unwrap();
    assert_eq!(out.status.code(), Some(2), "{}", text(&out.stderr));
    assert!(text(&out.stderr).contains("usage: wthreads-node run FILE.wasm"), "{}", text(&out.stderr));
}

/// A Vite app (`npm/vite/`: the page, its script and the two isolation headers as its only
/// configuration) with the package installed from the tarball, in target/npm-test/vite-app.
fn vite_app() -> &'static PathBuf {
    static MADE: std::sync::OnceLock<PathBuf> = std::sync::OnceLock::new();
    MADE.get_or_init(|| {
        let (_, project) = installed();
        let app = project.parent().unwrap().join("vite-app");
        std::fs::create_dir_all(app.join("public")).unwrap();
        std::fs::write(app.join("package.json"), r#"{ "name": "vite-app", "private": true, "type": "module" }"#)
            .unwrap();
        let tarball = std::fs::read_dir(project.parent().unwrap())
            .unwrap()
            .filter_map(|e| e.ok().map(|e| e.path()))
            .find(|p| p.extension().is_some_and(|x| x == "tgz"))
            .expect("the packed tarball");
        ok(Command::new("npm")
            .args(["install", "--no-audit", "--no-fund", "--no-package-lock"])
            .arg(&tarball)
            .current_dir(&app));
        for fixture in ["index.html", "main.js", "vite.config.js"] {
            std::fs::copy(format!("{ROOT}/host/tests/npm/vite/{fixture}"), app.join(fixture)).unwrap();
        }
        std::fs::copy(wthreads_guest_tests::PROGRAMS, app.join("public/programs.wasm")).unwrap();
        app
    })
}

/// Vite (scripts/setup.sh installs it into target/npm-tools) in `app`, run by the machine's Node.
fn vite(app: &Path) -> Command {
    let vite = format!("{ROOT}/target/npm-tools/node_modules/vite/bin/vite.js");
    assert!(Path::new(&vite).exists(), "no Vite at {vite}: run scripts/setup.sh --tests");
    let mut cmd = Command::new("node");
    cmd.arg(vite).current_dir(app);
    cmd
}

/// `web/tools/open-page.mjs ARGS…`: what the page found (`{ state, result }`), asserted to be a
/// threaded run that returned 0.
fn page_result(args: &[&str]) -> serde_json::Value {
    let out = Command::new("node").arg(format!("{ROOT}/web/tools/open-page.mjs")).args(args).output().unwrap();
    let said = text(&out.stdout);
    assert!(out.status.success(), "{said}{}", text(&out.stderr));
    let seen: serde_json::Value = serde_json::from_str(&said).unwrap();
    assert_eq!(seen["result"]["code"], 0, "{seen}");
    assert!(seen["result"]["spawned"].as_u64() >= Some(1), "{seen}");
    seen
}

/// The Vite app's page, opened from `root` (its build's directory, or its dev server): a
/// threaded run and a traced one.
fn assert_app_runs(root: &str) {
    let seen = page_result(&[root, "/index.html"]);
    assert!(seen["result"]["trace"].as_u64() > Some(0), "{seen}");
}

/// `vite build` bundles the package (the workers, the tool module) with no configuration of
/// its own, and the built app runs in Chromium.
#[test]
fn a_vite_build_of_an_app_runs_in_chromium() {
    let app = vite_app();
    ok(vite(app).args(["build", "--logLevel", "warn"]));
    assert_app_runs(app.join("dist").to_str().unwrap());
}

/// Vite's dev server serves the package as it is (its dependency pre-bundling too), and the
/// app runs in Chromium.
#[test]
fn a_vite_dev_server_serves_an_app_that_runs_in_chromium() {
    let app = vite_app();
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let mut server = vite(app)
        .args(["--host", "127.0.0.1", "--port", &port.to_string(), "--strictPort"])
        .stdout(std::process::Stdio::null())
        .spawn()
        .unwrap();
    // Ready once it takes connections on its port: its banner is no signal to parse, since it is
    // coloured wherever `CI` is set, the port included.
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
    let ready = loop {
        if std::net::TcpStream::connect(("127.0.0.1", port)).is_ok() {
            break Ok(());
        }
        if let Some(status) = server.try_wait().unwrap() {
            break Err(format!("Vite's dev server exited before it served: {status}"));
        }
        if std::time::Instant::now() > deadline {
            break Err("Vite's dev server did not take connections within 60 s".to_string());
        }
        std::thread::sleep(std::time::Duration::from_millis(100));
    };
    let outcome = std::panic::catch_unwind(|| {
        if let Err(why) = ready {
            panic!("{why}");
        }
        assert_app_runs(&format!("http://127.0.0.1:{port}"));
    });
    server.kill().ok();
    server.wait().ok();
    if let Err(e) = outcome {
        std::panic::resume_unwind(e);
    }
}
