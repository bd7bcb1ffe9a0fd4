# A TCP echo server that keeps the connection: many sentences per connection, one per line.
# TCP is a byte stream, so one recv() may hold half a sentence or several: the server reads
# lines (makefile), not recv() calls, and answers each line with its uppercase. A thread per
# client. The port may be given on the command line.
import sys
import threading
from socket import *

def serve(connectionSocket):
    with connectionSocket, connectionSocket.makefile('rb') as lines:
        for line in lines:
            sentence = line.decode('utf-8', errors='surrogateescape').rstrip('\n')
            reply = sentence.upper() + '\n'
            connectionSocket.sendall(reply.encode('utf-8', errors='surrogateescape'))

serverPort = int(sys.argv[1]) if len(sys.argv) > 1 else 12000
serverSocket = socket(AF_INET, SOCK_STREAM)
serverSocket.setsockopt(SOL_SOCKET, SO_REUSEADDR, 1)
serverSocket.bind(('', serverPort))
serverSocket.listen(16)
print('The server is ready to receive', flush=True)
while True:
    connectionSocket, addr = serverSocket.accept()
    threading.Thread(target=serve, args=(connectionSocket,), daemon=True).start()
