//! A loopback TCP forwarder that can be switched off, to take a homeserver "offline" for one
//! client without stopping the server the other tests share.

use std::io::ErrorKind;
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::Duration;

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
                            pipe(client, server);
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

    pub fn port(&self) -> u16 {
        self.addr.port()
    }

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

fn pipe(a: TcpStream, b: TcpStream) {
    let (a2, b2) = (a.try_clone().expect("clone"), b.try_clone().expect("clone"));
    std::thread::spawn(move || copy(a, b));
    std::thread::spawn(move || copy(b2, a2));
}

fn copy(mut from: TcpStream, mut to: TcpStream) {
    let _ = std::io::copy(&mut from, &mut to);
    let _ = to.shutdown(std::net::Shutdown::Write);
}
