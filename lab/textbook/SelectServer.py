# An echo server for many clients in one thread: select() says which sockets are ready, the
# welcome socket for a new connection, a connection socket for data. Each client's bytes are
# kept until a newline completes a sentence, which is answered with its uppercase. The port
# may be given on the command line.
import select
import sys
from socket import *

serverPort = int(sys.argv[1]) if len(sys.argv) > 1 else 12000
serverSocket = socket(AF_INET, SOCK_STREAM)
serverSocket.setsockopt(SOL_SOCKET, SO_REUSEADDR, 1)
serverSocket.bind(('', serverPort))
serverSocket.listen(16)
serverSocket.setblocking(False)
pending = {}  # connection socket -> bytes received but not yet a whole line
print('The server is ready to receive', flush=True)
while True:
    readable, _, _ = select.select([serverSocket] + list(pending), [], [])
    for s in readable:
        if s is serverSocket:
            connectionSocket, addr = serverSocket.accept()
            pending[connectionSocket] = b''
            continue
        try:
            data = s.recv(4096)
        except ConnectionError:
            data = b''
        if not data:
            del pending[s]
            s.close()
            continue
        pending[s] += data
        while b'\n' in pending[s]:
            line, pending[s] = pending[s].split(b'\n', 1)
            sentence = line.decode('utf-8', errors='surrogateescape')
            try:
                s.sendall((sentence.upper() + '\n').encode('utf-8', errors='surrogateescape'))
            except ConnectionError:
                break
