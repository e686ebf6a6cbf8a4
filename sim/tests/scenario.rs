//! Scenario files and topology generation.

use std::path::{Path, PathBuf};

use sixlo_sim::scenario::{
    FaultKind, MediumConfig, Mop, Of, Overrides, Role, Scenario, ScenarioError, TopologyKind,
};
use sixlo_sim::topology::{self, Position};

fn example_path() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios/example.toml")
}

fn tmp(name: &str) -> PathBuf {
    let d = Path::new(env!("CARGO_TARGET_TMPDIR")).join("scenario-tests");
    std::fs::create_dir_all(&d).unwrap();
    d.join(name)
}

#[test]
fn example_file_parses() {
    let s = Scenario::from_file(&example_path()).unwrap();
    assert_eq!(s.seed, 1);
    assert_eq!(s.duration_s, 300.0);
    assert_eq!(s.topology.kind, TopologyKind::Grid(5, 5));
    assert_eq!(
        s.medium,
        MediumConfig::Udgm {
            tx_range_m: 50.0,
            interference_range_m: 100.0,
            success_tx: 1.0,
            success_rx: 0.95
        }
    );
    assert_eq!(s.roles.root, 0);
    assert_eq!(s.roles.role(0), Role::Root);
    assert_eq!(s.roles.role(23), Role::Leaf);
    assert_eq!(s.roles.role(5), Role::Router);
    assert_eq!((s.rpl.mop, s.rpl.of), (Mop::Storing, Of::Mrhof));
    let up = s.traffic.up.unwrap();
    assert_eq!((up.interval_s, up.payload_bytes, up.start_s), (30.0, 32, 60.0));
    assert_eq!(s.traffic.down.unwrap().payload_bytes, 16);
    assert!(s.traffic.ping.is_none());
    // Sorted by time.
    let kinds: Vec<_> = s.faults.iter().map(|f| (f.at_s, f.kind)).collect();
    assert_eq!(
        kinds,
        vec![
            (150.0, FaultKind::NodeDown(12)),
            (180.0, FaultKind::LinkDegrade { a: 1, b: 6, ratio: 0.2 }),
            (200.0, FaultKind::NodeUp(12)),
            (220.0, FaultKind::Move { node: 24, to: Position { x: 10.0, y: 10.0 } }),
            (250.0, FaultKind::RootReboot),
        ]
    );
    assert!(s.output.pcap && s.output.log && s.output.svg);
    let net = s.network().unwrap();
    assert_eq!(net.len(), 25);
    assert_eq!(net.positions[6], Position { x: 30.0, y: 30.0 });
}

#[test]
fn empty_file_gives_defaults() {
    let s = Scenario::from_toml_str("").unwrap();
    assert_eq!(s.topology.kind, TopologyKind::Random(50));
    assert_eq!(s.duration_s, 120.0);
    assert_eq!(s.roles.root, 0);
    assert!(s.traffic.up.is_none() && s.faults.is_empty());
}

#[test]
fn demo_is_fifty_nodes_of_degree_about_six() {
    let s = Scenario::demo();
    let net = s.network().unwrap();
    assert_eq!(net.len(), 50);
    let d = topology::mean_degree(&net.positions, 50.0);
    assert!((4.5..=7.5).contains(&d), "demo mean degree {d}");
    assert!(s.traffic.up.is_some());
    assert!(s.duration_s >= 60.0 && s.duration_s <= 300.0);
}

/// Parses `text` and returns the error, asserting its line.
fn error_at(text: &str, line: usize) -> ScenarioError {
    let e = Scenario::from_toml_str(text).expect_err(text);
    assert_eq!(e.line, Some(line), "{text:?} gave {e}");
    e
}

#[test]
fn errors_name_the_line() {
    // TOML syntax error.
    let e = error_at("seed = 1\nduration_s = \n", 2);
    assert!(e.to_string().starts_with("line 2: "), "{e}");
    // Unknown key (a typo).
    let e = error_at("seed = 1\n\n[topology]\nkind = \"line:3\"\nspacin_m = 3\n", 5);
    assert!(e.message.contains("spacin_m"), "{e}");
    // Wrong type.
    error_at("seed = \"one\"\n", 1);
    // Unknown topology.
    let e = error_at("seed = 1\n[topology]\nkind = \"ring:5\"\n", 3);
    assert!(e.message.contains("unknown topology `ring:5`"), "{e}");
    error_at("[topology]\nkind = \"grid:5\"\n", 2);
    error_at("[topology]\nkind = \"line:0\"\n", 2);
    // Negative and zero durations.
    let e = error_at("seed = 3\n\nduration_s = -5\n", 3);
    assert!(e.message.contains("duration_s must be positive"), "{e}");
    error_at("duration_s = 0\n", 1);
    error_at("[traffic.up]\ninterval_s = 10\nstart_s = -1\n", 3);
    error_at("[traffic.up]\n\ninterval_s = -10\n", 3);
    // Node ids out of range.
    let e = error_at("[topology]\nkind = \"line:5\"\n[roles]\nroot = 5\n", 4);
    assert!(e.message.contains("root node 5 is out of range"), "{e}");
    error_at("[topology]\nkind = \"line:5\"\n[roles]\nleaves = [1, 9]\n", 4);
    let e = error_at(
        "[topology]\nkind = \"grid:2x2\"\n\n[[faults]]\nat_s = 1\nkind = \"node_down\"\nnode = 4\n",
        6,
    );
    assert!(e.message.contains("fault node 4 is out of range"), "{e}");
    error_at("[[faults]]\nat_s = 1\nkind = \"link\"\na = 1\nb = 2\nratio = 1.5\n", 6);
    error_at("[[faults]]\nat_s = 1\nkind = \"melt\"\n", 3);
    error_at("[[faults]]\nat_s = 1\nkind = \"move\"\nnode = 1\n", 3);
    error_at("[[faults]]\nat_s = -1\nkind = \"root_reboot\"\n", 2);
    error_at("[roles]\nroot = -1\n", 2);
    // Mediums and RPL settings.
    error_at("[medium]\nmodel = \"free-space\"\n", 2);
    error_at("[medium]\nmodel = \"udgm\"\ntx_range_m = 50\ninterference_range_m = 20\n", 4);
    error_at("[medium]\nmodel = \"udgm\"\nsuccess_rx = 2\n", 3);
    error_at("[medium]\nmodel = \"topo\"\n", 2);
    error_at("[rpl]\nmop = \"storing\"\nof = \"etx\"\n", 3);
    error_at("[rpl]\nmop = \"multicast\"\n", 2);
    error_at("seed = -4\n", 1);
}

#[test]
fn overrides() {
    let mut s = Scenario::from_file(&example_path()).unwrap();
    let o = Overrides {
        topology: Some("line:30".into()),
        mop: Some("non-storing".into()),
        of: Some("of0".into()),
        duration_s: Some(60.0),
        traffic_interval_s: Some(5.0),
        seed: Some(9),
        out: Some(PathBuf::from("/tmp/x")),
        no_pcap: true,
        lent_pool: true,
    };
    s.apply_overrides(&o).unwrap();
    assert_eq!(s.topology.kind, TopologyKind::Line(30));
    assert_eq!((s.rpl.mop, s.rpl.of), (Mop::NonStoring, Of::Of0));
    assert_eq!((s.duration_s, s.seed), (60.0, 9));
    assert!(s.lent_pool);
    assert_eq!(s.traffic.up.unwrap().interval_s, 5.0);
    assert_eq!(s.traffic.down.unwrap().interval_s, 5.0);
    assert!(s.traffic.ping.is_none());
    assert_eq!(s.output.dir, PathBuf::from("/tmp/x"));
    assert!(!s.output.pcap);

    // Interval on a scenario without traffic turns upward traffic on.
    let mut s = Scenario::from_toml_str("").unwrap();
    s.apply_overrides(&Overrides { traffic_interval_s: Some(7.0), ..Default::default() }).unwrap();
    assert_eq!(s.traffic.up.unwrap().interval_s, 7.0);

    let mut s = Scenario::from_file(&example_path()).unwrap();
    for bad in [
        Overrides { topology: Some("ring".into()), ..Default::default() },
        Overrides { topology: Some("line:10".into()), ..Default::default() }, // fault node 12, leaf 23
        Overrides { mop: Some("x".into()), ..Default::default() },
        Overrides { duration_s: Some(-1.0), ..Default::default() },
        Overrides { traffic_interval_s: Some(0.0), ..Default::default() },
    ] {
        assert!(s.clone().apply_overrides(&bad).is_err(), "{bad:?}");
    }
    s.apply_overrides(&Overrides::default()).unwrap();
}

#[test]
fn files_and_their_errors() {
    let csv = tmp("pos.csv");
    std::fs::write(&csv, "id,x,y\n2, 10, 0\n0,0,0\n1,5.5,0 # middle\n").unwrap();
    let topo = tmp("links.topo");
    std::fs::write(&topo, "# three nodes\n0 1\n1 2 0.5\n\n0 2 0.1 0.2\n").unwrap();
    let scen = tmp("files.toml");
    std::fs::write(
        &scen,
        "[topology]\nkind = \"csv:pos.csv\"\n[medium]\nmodel = \"topo\"\nfile = \"links.topo\"\n",
    )
    .unwrap();
    let s = Scenario::from_file(&scen).unwrap();
    let net = s.network().unwrap();
    assert_eq!(
        net.positions,
        vec![Position { x: 0.0, y: 0.0 }, Position { x: 5.5, y: 0.0 }, Position { x: 10.0, y: 0.0 }]
    );
    let links = net.links.unwrap();
    assert_eq!(links.len(), 3);
    assert_eq!((links[1].a, links[1].b, links[1].w_ab, links[1].w_ba), (1, 2, 0.5, 0.5));

    // topo:FILE alone: nodes from the link file, drawn on a circle.
    let scen2 = tmp("topo-only.toml");
    std::fs::write(&scen2, "[topology]\nkind = \"topo:links.topo\"\n[roles]\nroot = 2\n").unwrap();
    let s = Scenario::from_file(&scen2).unwrap();
    assert!(matches!(s.medium, MediumConfig::Topo { .. }));
    assert_eq!(s.network().unwrap().len(), 3);

    // A root beyond the file's nodes: named at load.
    std::fs::write(&scen2, "[topology]\nkind = \"topo:links.topo\"\n[roles]\nroot = 3\n").unwrap();
    let e = Scenario::from_file(&scen2).unwrap_err();
    assert!(e.message.contains("root node 3 is out of range"), "{e}");

    // A bad link file names its own line.
    std::fs::write(&topo, "0 1\n# x\n1 2 1.7\n").unwrap();
    let e = Scenario::from_file(&scen).unwrap_err();
    assert_eq!((e.file.as_deref(), e.line), (Some(topo.as_path()), Some(3)), "{e}");
    std::fs::write(&topo, "0 1\n1 7\n").unwrap(); // node 7 of 3
    let e = Scenario::from_file(&scen).unwrap_err();
    assert_eq!((e.file.as_deref(), e.line), (Some(topo.as_path()), Some(2)), "{e}");

    // A syntax error in the scenario names the scenario file.
    std::fs::write(&scen, "[topology\n").unwrap();
    let e = Scenario::from_file(&scen).unwrap_err();
    assert_eq!((e.file.as_deref(), e.line), (Some(scen.as_path()), Some(1)));
    assert!(e.to_string().starts_with(&format!("{}:1: ", scen.display())), "{e}");
}

#[test]
fn line_and_grid() {
    let l = topology::line(4, 25.0);
    assert_eq!(l.iter().map(|p| p.x).collect::<Vec<_>>(), vec![0.0, 25.0, 50.0, 75.0]);
    assert!(l.iter().all(|p| p.y == 0.0));
    let g = topology::grid(7, 3, 10.0);
    assert_eq!(g.len(), 21);
    assert_eq!(g[8], Position { x: 10.0, y: 10.0 });
    assert_eq!(g[20], Position { x: 60.0, y: 20.0 });
    // A 3x3 grid with range = spacing: 12 links, mean degree 24/9.
    assert_eq!(topology::unit_disk_links(&topology::grid(3, 3, 10.0), 10.0).len(), 12);
}

#[test]
fn random_mean_degree_and_determinism() {
    for (n, degree) in [(50usize, 6.0), (200, 8.0), (100, 4.0)] {
        let side = topology::random_side(n, 50.0, degree);
        let mut total = 0.0;
        let seeds = 8;
        for seed in 0..seeds {
            total += topology::mean_degree(&topology::random(n, side, seed), 50.0);
        }
        let mean = total / seeds as f64;
        assert!((mean - degree).abs() <= 0.15 * degree, "n={n} degree {degree}: got {mean}");
        // Every single seed is within a wider band too.
        let one = topology::mean_degree(&topology::random(n, side, 1), 50.0);
        assert!((one - degree).abs() <= 0.35 * degree, "n={n} seed 1: {one}");
    }
    let side = topology::random_side(50, 50.0, 6.0);
    assert_eq!(topology::random(50, side, 7), topology::random(50, side, 7));
    assert_ne!(topology::random(50, side, 7), topology::random(50, side, 8));
    let p = topology::random(1000, 100.0, 3);
    assert!(p.iter().all(|p| (0.0..100.0).contains(&p.x) && (0.0..100.0).contains(&p.y)));
}

#[test]
fn topo_parsing() {
    let links = topology::parse_topo("# comment\n\n3 4\n4 5 0.25 # trailing\n 5\t6  0.5 0.75\n").unwrap();
    assert_eq!(links.len(), 3);
    assert_eq!((links[0].a, links[0].b, links[0].w_ab, links[0].w_ba, links[0].line), (3, 4, 1.0, 1.0, 3));
    assert_eq!((links[1].w_ab, links[1].w_ba, links[1].line), (0.25, 0.25, 4));
    assert_eq!((links[2].w_ab, links[2].w_ba), (0.5, 0.75));
    assert_eq!(topology::topo_node_count(&links), 7);
    for (text, line) in [
        ("0 1\n1\n", 2),
        ("0 1\n\n1 2 3 4 5\n", 3),
        ("a 1\n", 1),
        ("0 -1\n", 1),
        ("# x\n0 1 -0.1\n", 2),
        ("0 1 0.5 x\n", 1),
        ("2 2\n", 1),
    ] {
        let e = topology::parse_topo(text).unwrap_err();
        assert_eq!(e.line, line, "{text:?}: {e}");
    }
}

#[test]
fn csv_parsing() {
    let p = topology::parse_positions_csv("1,2.5,3\n0,-1,1e1\n").unwrap();
    assert_eq!(p, vec![Position { x: -1.0, y: 10.0 }, Position { x: 2.5, y: 3.0 }]);
    for (text, line) in [("0,1\n", 1), ("id,x,y\n0,1,2\nz,1,2\n", 3), ("0,1,2\n0,3,4\n", 2), ("0,1,nan\n", 1)]
    {
        let e = topology::parse_positions_csv(text).unwrap_err();
        assert_eq!(e.line, line, "{text:?}: {e}");
    }
    let e = topology::parse_positions_csv("0,0,0\n2,0,0\n").unwrap_err();
    assert!(e.message.contains("node 1 has no position"), "{e}");
    assert!(topology::parse_positions_csv("# nothing\n").is_err());
}
