//! A loopback TCP forwarder that can be switched off, to take a homeserver "offline" for one
//! client without stopping the server the other tests share; or that holds back the requests
//! a [`Gate`](crate::proxy::Gate) matches until the test releases them, to force a race (another client's write
//! landing between one client's read and its write); or that writes down the request line of
//! every request it forwards ([`Tally`](crate::proxy::Tally)), to count what a client sends.

use std::io::{ErrorKind, Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Condvar, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

/// Holds every request whose first bytes (request line, headers) contain all its needles,
/// until [`Gate::release`]; later ones pass.
pub struct Gate {
    needles: Vec<Vec<u8>>,
    /// (requests held so far, released)
    state: Mutex<(usize, bool)>,
    changed: Condvar,
}

impl Gate {
    /// A gate for requests that contain every one of `needles`.
    pub fn new(needles: &[&str]) -> Arc<Gate> {
        Arc::new(Gate {
            needles: needles.iter().map(|n| n.as_bytes().to_vec()).collect(),
            state: Mutex::new((0, false)),
            changed: Condvar::new(),
        })
    }

    /// Waits until `n` requests are being held; false after `timeout`.
    pub fn wait_held(&self, n: usize, timeout: Duration) -> bool {
        let deadline = Instant::now() + timeout;
        let mut state = self.state.lock().unwrap();
        while state.0 < n {
            let Some(left) = deadline.checked_duration_since(Instant::now()) else { return false };
            state = self.changed.wait_timeout(state, left).unwrap().0;
        }
        true
    }

    /// Lets the held requests (and every later one) through.
    pub fn release(&self) {
        self.state.lock().unwrap().1 = true;
        self.changed.notify_all();
    }

    fn pass(&self, chunk: &[u8]) {
        let matches = self.needles.iter().all(|n| chunk.windows(n.len()).any(|w| w == n.as_slice()));
        let mut state = self.state.lock().unwrap();
        if !matches || state.1 {
            return;
        }
        state.0 += 1;
        self.changed.notify_all();
        while !state.1 {
            state = self.changed.wait(state).unwrap();
        }
    }
}

/// The request lines (`GET /_matrix/…`) of the requests a proxy forwarded, in order.
#[derive(Default)]
pub struct Tally {
    lines: Mutex<Vec<String>>,
}

/// The methods a request line may start with.
const METHODS: [&str; 5] = ["GET ", "PUT ", "POST ", "DELETE ", "HEAD "];

impl Tally {
    /// An empty tally.
    pub fn new() -> Arc<Tally> {
        Arc::default()
    }

    /// The request lines written down since the last take (method and path, query cut off).
    pub fn take(&self) -> Vec<String> {
        std::mem::take(&mut *self.lines.lock().unwrap())
    }

    /// Writes down the requests that start in `chunk`: a request line at its start or right
    /// after a line break (a request's head arrives in one read; a JSON body holds no CR LF
    /// followed by a method).
    fn note(&self, chunk: &[u8]) {
        let text = String::from_utf8_lossy(chunk);
        let starts = std::iter::once(0).chain(text.match_indices("\r\n").map(|(i, _)| i + 2));
        let mut lines = self.lines.lock().unwrap();
        for start in starts {
            let rest = &text[start..];
            if METHODS.iter().any(|m| rest.starts_with(m)) {
                let line = rest.split(" HTTP/").next().unwrap_or(rest);
                lines.push(line.split('?').next().unwrap_or(line).to_owned());
            }
        }
    }
}

/// What a forwarder does with the requests besides passing them on.
#[derive(Clone)]
enum Watch {
    Hold(Arc<Gate>),
    Count(Arc<Tally>),
}

/// A forwarder on a free loopback port to one upstream address; dropping it stops it.
pub struct Proxy {
    addr: SocketAddr,
    stop: Arc<AtomicBool>,
    accept: Option<JoinHandle<()>>,
    /// The client side of every connection made, so [`Proxy::cut`] can end them.
    open: Arc<Mutex<Vec<TcpStream>>>,
}

impl Proxy {
    /// Forwards `127.0.0.1:<new port>` to `target` until [`Proxy::stop`].
    pub fn start(target: SocketAddr) -> Proxy {
        Self::start_on(0, target)
    }

    /// Forwards `127.0.0.1:port` to `target`: a stopped proxy's port brings the server "back"
    /// for the clients that signed in through it (`0` picks a free port).
    pub fn start_on(port: u16, target: SocketAddr) -> Proxy {
        Self::start_with(port, target, None)
    }

    /// Forwards `127.0.0.1:<new port>` to `target`, holding what `gate` matches.
    pub fn start_holding(target: SocketAddr, gate: Arc<Gate>) -> Proxy {
        Self::start_with(0, target, Some(Watch::Hold(gate)))
    }

    /// Forwards `127.0.0.1:<new port>` to `target`, writing every request down in `tally`.
    pub fn start_counting(target: SocketAddr, tally: Arc<Tally>) -> Proxy {
        Self::start_with(0, target, Some(Watch::Count(tally)))
    }

    fn start_with(port: u16, target: SocketAddr, watch: Option<Watch>) -> Proxy {
        let listener = TcpListener::bind(("127.0.0.1", port)).expect("bind proxy");
        listener.set_nonblocking(true).expect("non-blocking listener");
        let addr = listener.local_addr().expect("proxy address");
        let stop = Arc::new(AtomicBool::new(false));
        let flag = stop.clone();
        let open = Arc::new(Mutex::new(Vec::new()));
        let conns = open.clone();
        let accept = std::thread::spawn(move || {
            while !flag.load(Ordering::SeqCst) {
                match listener.accept() {
                    Ok((client, _)) => {
                        let _ = client.set_nonblocking(false);
                        if let Ok(server) = TcpStream::connect(target) {
                            if let Ok(c) = client.try_clone() {
                                conns.lock().unwrap_or_else(|e| e.into_inner()).push(c);
                            }
                            pipe(client, server, watch.clone());
                        }
                    }
                    Err(e) if e.kind() == ErrorKind::WouldBlock => std::thread::sleep(Duration::from_millis(5)),
                    Err(_) => break,
                }
            }
            // The listener drops here: new connections are refused, as with a server that is gone.
        });
        Proxy { addr, stop, accept: Some(accept), open }
    }

    /// The loopback port it listens on.
    pub fn port(&self) -> u16 {
        self.addr.port()
    }

    /// `http://127.0.0.1:PORT`: the homeserver URL a client should use.
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// Closes the port; connections already open are left to finish.
    pub fn stop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        if let Some(h) = self.accept.take() {
            let _ = h.join();
        }
    }

    /// Closes the port and ends the connections already open too: for a long-running client
    /// (the app) whose pooled keep-alive connections would otherwise still reach the server.
    pub fn cut(&mut self) {
        self.stop();
        for c in self.open.lock().unwrap_or_else(|e| e.into_inner()).drain(..) {
            let _ = c.shutdown(std::net::Shutdown::Both);
        }
    }
}

impl Drop for Proxy {
    fn drop(&mut self) {
        self.stop();
    }
}

fn pipe(a: TcpStream, b: TcpStream, watch: Option<Watch>) {
    let (a2, b2) = (a.try_clone().expect("clone"), b.try_clone().expect("clone"));
    std::thread::spawn(move || copy(a, b, watch));
    std::thread::spawn(move || copy(b2, a2, None));
}

fn copy(mut from: TcpStream, mut to: TcpStream, watch: Option<Watch>) {
    let mut buf = vec![0; 64 * 1024];
    loop {
        let n = match from.read(&mut buf) {
            Ok(0) | Err(_) => break,
            Ok(n) => n,
        };
        match &watch {
            Some(Watch::Hold(g)) => g.pass(&buf[..n]),
            Some(Watch::Count(t)) => t.note(&buf[..n]),
            None => {}
        }
        if to.write_all(&buf[..n]).is_err() {
            break;
        }
    }
    let _ = to.shutdown(std::net::Shutdown::Write);
}
