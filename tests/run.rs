//! `leverage run`: a build script's tasks run by the system python3 with leverage's helper
//! module. The expected log messages are those the Python CLI 3.1.0 printed for the same
//! script (its lines without the time, which it shows without a level).

use crate::support::{Run, Scenario};

/// Dependencies (shared and repeated), a default task, private and ignored tasks, arguments,
/// the `path`/`conf` helpers, a failing task and one that exits.
const BUILD_PY: &str = r#""""Build tasks of the test project."""
import sys

from leverage import task, path, conf


@task()
def _prepare():
    """Private: runs before the others."""
    print("preparing")


@task(_prepare)
def clean():
    """Remove what the build left behind.

    Safe to run twice."""
    print("cleaning")


@task(_prepare, clean)
def build(target="all", *rest, mode="debug", **flags):
    """Build the project."""
    print(f"building target={target} rest={list(rest)} mode={mode} flags={flags}")


@task(build, private=True)
def hidden():
    print("hidden ran")


@task(ignore=True)
def skipped():
    """Never runs."""
    print("skipped ran")


@task(skipped, build)
def release():
    """Release after building."""
    print("releasing")


@task()
def where():
    """Show the helper paths."""
    print("working", path.get_working_path())
    print("root", path.get_root_path())
    print("account", path.get_account_path())
    print("project", conf.load().get("PROJECT"))


@task()
def fail():
    """Fails on purpose."""
    raise RuntimeError("the disk is on fire")


@task()
def leave(code="3"):
    """Exits the interpreter."""
    sys.exit(int(code))


__DEFAULT__ = build
"#;

fn scenario() -> Scenario {
    let s = Scenario::new();
    s.write(s.project().join("build.py"), BUILD_PY);
    s
}

/// The stderr lines without `[HH:MM:SS.mmm] LEVEL    ` (upstream shows no level for tasks).
fn messages(run: &Run) -> Vec<String> {
    run.stderr
        .lines()
        .map(|line| match line.get(..1) {
            Some("[") => line[14..]
                .trim_start()
                .split_once(' ')
                .map_or("", |(_, m)| m),
            _ => line,
        })
        .map(|line| line.trim_start().to_string())
        .collect()
}

fn upstream(lines: &[&str]) -> Vec<String> {
    lines.iter().map(|l| l.to_string()).collect()
}

const BUILD_STEPS: &[&str] = &[
    "[ build.py - ➜ Starting task _prepare ]",
    "[ build.py - ✔ Completed task _prepare ]",
    "[ build.py - ➜ Starting task clean ]",
    "[ build.py - ✔ Completed task clean ]",
    "[ build.py - ➜ Starting task build ]",
    "[ build.py - ✔ Completed task build ]",
];

#[test]
fn without_a_task_the_default_runs_after_its_dependencies() {
    let s = scenario();
    let run = s.run(&["run"], "");
    run.success();
    assert_eq!(messages(&run), upstream(BUILD_STEPS));
    assert_eq!(
        run.stdout,
        "preparing\ncleaning\nbuilding target=all rest=[] mode=debug flags={}\n"
    );
    insta::assert_snapshot!(s.transcript(&run));
}

#[test]
fn the_list_shows_public_tasks_with_default_ignored_and_docstrings() {
    let s = scenario();
    let run = s.run(&["run", "--list-tasks"], "");
    run.success();
    // Upstream 3.1.0 printed exactly this, with its own version (3.1.0).
    let expected = "Tasks in build file `build.py`:

  build    [Default]\tBuild the project.
  clean             \tRemove what the build left behind.
                    \t
                    \t    Safe to run twice.
  fail              \tFails on purpose.
  leave             \tExits the interpreter.
  release           \tRelease after building.
  skipped  [Ignored]\tNever runs.
  where             \tShow the helper paths.

Powered by Leverage 0.1.0
";
    assert_eq!(run.stdout, expected);
    assert_eq!(run.stderr, "");
    assert_eq!(s.run(&["run", "-l"], "").stdout, expected);
}

#[test]
fn arguments_reach_the_task_as_positional_and_keyword_values() {
    let s = scenario();
    let run = s.run(&["run", "build[x, y,mode=release, k = v]"], "");
    run.success();
    assert_eq!(messages(&run), upstream(BUILD_STEPS));
    assert!(
        run.stdout
            .ends_with("building target=x rest=['y'] mode=release flags={'k': 'v'}\n"),
        "{}",
        run.stdout
    );
}

#[test]
fn dependencies_run_once_ignored_tasks_are_skipped_and_private_tasks_run_by_name() {
    let s = scenario();
    let run = s.run(&["run", "release"], "");
    run.success();
    let mut expected = upstream(&["[ build.py - ⤳ Ignoring task skipped ]"]);
    expected.extend(upstream(BUILD_STEPS));
    expected.extend(upstream(&[
        "[ build.py - ➜ Starting task release ]",
        "[ build.py - ✔ Completed task release ]",
    ]));
    assert_eq!(messages(&run), expected);
    assert!(!run.stdout.contains("skipped ran"), "{}", run.stdout);

    let run = s.run(&["run", "clean", "build"], "");
    run.success();
    assert_eq!(messages(&run), upstream(BUILD_STEPS));

    let run = s.run(&["run", "hidden"], "");
    run.success();
    assert!(run.stdout.ends_with("hidden ran\n"), "{}", run.stdout);
}

#[test]
fn bad_task_words_are_upstreams_one_line_errors_and_nothing_runs() {
    let s = scenario();
    for (task, message) in [
        ("nope", "Unrecognized task `nope`."),
        ("build[a", "Malformed task argument in `build[a`."),
        (
            "build[mode=x,y]",
            "Positional argument `y` from task `build` cannot follow a keyword argument.",
        ),
        (
            "build[mode=x,mode=y]",
            "Duplicated keyword argument `mode` in task `build`.",
        ),
    ] {
        let run = s.run(&["run", "clean", task], "");
        assert_eq!(run.code, 1, "{}", run.all());
        assert_eq!(messages(&run), [message], "{task}");
        assert!(run.stderr.contains("ERROR    "), "{}", run.stderr);
        assert_eq!(run.stdout, "", "nothing ran for {task}");
    }
}

#[test]
fn a_failing_task_shows_its_traceback_and_aborts_the_build() {
    let s = scenario();
    let run = s.run(&["run", "clean", "fail", "build"], "");
    assert_eq!(run.code, 1, "{}", run.all());
    let messages = messages(&run);
    // Upstream: the same lines around a rich-rendered traceback of the build script's frames.
    assert_eq!(messages[..4], upstream(&BUILD_STEPS[..4]));
    assert_eq!(
        messages[4..6],
        upstream(&[
            "[ build.py - ➜ Starting task fail ]",
            "[ build.py - ! Error in task fail ]"
        ])
    );
    assert_eq!(messages.last().unwrap(), "[ build.py - ✘ Aborting build ]");
    assert_eq!(run.stdout, "preparing\ncleaning\n", "build never started");
    insta::assert_snapshot!(s.transcript(&run));
}

#[test]
fn a_task_that_exits_ends_the_run_with_its_code() {
    let s = scenario();
    let run = s.run(&["run", "leave"], "");
    assert_eq!(run.code, 3, "{}", run.all());
    assert_eq!(
        messages(&run),
        upstream(&["[ build.py - ➜ Starting task leave ]"])
    );
    assert_eq!(s.run(&["run", "leave[0]"], "").code, 0);
}

#[test]
fn the_script_is_found_above_and_its_helpers_see_the_project() {
    let s = scenario().cd("shared/us-east-1/base-tf-backend");
    let run = s.run(&["run", "where"], "");
    run.success();
    let root = s.project().canonicalize().unwrap();
    assert_eq!(
        run.stdout,
        format!(
            "working {root}/shared/us-east-1/base-tf-backend\nroot {root}\naccount \
             {root}/shared\nproject bb\n",
            root = root.display()
        )
    );
}

#[test]
fn another_build_file_is_named_with_f() {
    let s = scenario();
    s.write(
        s.project().join("tasks.py"),
        "from leverage import task\n\n@task()\ndef hello(name='world'):\n    print(f'hello {name}')\n\n__DEFAULT__ = hello\n",
    );
    let run = s.run(&["run", "-f", "tasks.py", "hello[leverage]"], "");
    run.success();
    assert_eq!(run.stdout, "hello leverage\n");
    assert_eq!(
        messages(&run),
        upstream(&[
            "[ tasks.py - ➜ Starting task hello ]",
            "[ tasks.py - ✔ Completed task hello ]",
        ])
    );
}

#[test]
fn without_a_default_task_the_tasks_are_listed() {
    // Upstream 3.1.0 crashes here (it calls its --list-tasks flag); we list, as it intended.
    let s = Scenario::new();
    s.write(
        s.project().join("build.py"),
        "from leverage import task\n\n@task()\ndef one():\n    '''The first.'''\n",
    );
    let run = s.run(&["run"], "");
    run.success();
    assert!(
        run.stdout
            .starts_with("Tasks in build file `build.py`:\n\n  one  \tThe first.\n"),
        "{}",
        run.stdout
    );
}

#[test]
fn a_module_the_script_needs_but_python_lacks_is_one_line_with_how_to_install_it() {
    let s = Scenario::new();
    s.write(
        s.project().join("build.py"),
        "import sys, os\nsys.path.append(os.path.dirname(os.path.realpath(__file__)))\n\
         from leverage import task\nfrom deps import *\n",
    );
    s.write(
        s.project().join("deps.py"),
        "import hcl2_not_installed_here\n",
    );
    let run = s.run(&["run", "-l"], "");
    assert_eq!(run.code, 1, "{}", run.all());
    insta::assert_snapshot!(s.transcript(&run).replace(&python3(), "[PYTHON]"));
}

#[test]
fn a_broken_build_script_shows_where_and_fails() {
    let s = Scenario::new();
    s.write(
        s.project().join("build.py"),
        "from leverage import task\n\n@task\ndef oops():\n    pass\n",
    );
    let run = s.run(&["run", "oops"], "");
    assert_eq!(run.code, 1, "{}", run.all());
    let stderr = s.normalize(&run.stderr);
    // Python's own traceback of the script's frames; leverage's helper frames are left out.
    assert!(
        stderr.starts_with(
            "Traceback (most recent call last):\n  File \"[PROJECT]/build.py\", line 3, in <module>\n"
        ),
        "{stderr}"
    );
    assert!(!stderr.contains("leverage-run-"), "{stderr}");
    assert!(
        stderr.ends_with(
            "MissingParensInDecoratorError: Possible parentheses missing in function `oops` \
             decorator.\n[TIME] ERROR    Error in build script build.py.\n"
        ),
        "{stderr}"
    );
}

#[test]
fn no_build_script_or_no_python_is_a_clear_error() {
    let s = Scenario::new();
    let run = s.run(&["run"], "");
    assert_eq!(run.code, 1, "{}", run.all());
    insta::assert_snapshot!("no_build_script", s.transcript(&run));

    let s = scenario().env("PATH", "/nonexistent");
    let run = s.run(&["run"], "");
    assert_eq!(run.code, 1, "{}", run.all());
    insta::assert_snapshot!("no_python", s.transcript(&run));
    let run = scenario()
        .env("LEVERAGE_PYTHON", "/opt/nowhere/python3")
        .run(&["run"], "");
    run.failure().stderr_has(
        "ERROR    LEVERAGE_PYTHON names /opt/nowhere/python3, which is not an executable file",
    );
}

/// The python3 the tests run scripts with, as the helper names it (sys.executable).
fn python3() -> String {
    let out = std::process::Command::new("python3")
        .args(["-c", "import sys; print(sys.executable)"])
        .output()
        .expect("python3 is needed to test `leverage run`: install Python 3");
    String::from_utf8(out.stdout).unwrap().trim().to_string()
}
